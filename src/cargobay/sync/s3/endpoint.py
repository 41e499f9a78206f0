"""The S3 endpoint: a bucket and key prefix, and the object-level operations a sync needs (list, HEAD,
upload, streaming download, server-side copy, batch delete), offered as
:class:`~cargobay.sync.endpoints.Endpoint` says: ``copy_from`` another S3 prefix (server-side on one
endpoint; streamed with its headers and tags between two, :mod:`cargobay.sync.s3stream`),
``upload_file`` of a local file, ``write`` of a stream, ``open_read``; never ``local_file``.

Listing is one ``ListObjectsV2`` pass with pagination: size and ETag come with it, so a no-change
re-sync makes no request per object. The pages are fetched by :mod:`cargobay.sync.s3.listing`,
signed by cargobay itself; the botocore client is made on first use
(:class:`~cargobay.sync.s3.client.LazyClient`), so a sync that transfers nothing never imports
botocore when the credentials are explicit or in the environment (see
:func:`~cargobay.sync.s3.spec.listing_spec` for exactly when). Metadata (``X-Amz-Meta-Mtime``,
``X-Amz-Meta-Md5chksum``) is read by HEAD only when the comparison asks for it (objects whose
ETag is not an MD5).

Uploads below the part size are one ``PutObject`` with ``Content-MD5`` (the server rejects a
corrupted body, and the returned ETag is checked); larger files go through boto3's transfer
manager (multipart, parts uploaded concurrently, failed multipart uploads aborted). Credentials
come from boto3's usual chain (environment, shared config and credentials files, profiles) unless
given explicitly in :class:`S3Settings`.
"""

from __future__ import annotations

import base64
import builtins
import datetime as _dt
import functools
import os
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from cargobay.errors import SyncError
from cargobay.s3.etag import MD5_HEX, is_md5_etag, unquote
from cargobay.select import Selection
from cargobay.select.rules import RuleAction
from cargobay.sync import meta
from cargobay.sync.endpoints import CANT, Cant, ChecksumMismatch, Endpoint, Listing, LocalFile, OnBytes
from cargobay.sync.model import DEFAULT_PART_SIZE, Entry, Fact, Need
from cargobay.sync.s3.client import listing_hint, real_client, spec_from_client
from cargobay.sync.s3.listing import PAGE_SIZE, ListingFailed
from cargobay.sync.s3.spec import ListingSpec, parse_s3_url

if TYPE_CHECKING:
    from cargobay.sync.s3.early import EarlyListing
    from cargobay.sync.s3.put import PutClient

# Answers to a first listing page that botocore would give too: no point in asking it again.
_DEFINITE_CODES = frozenset({"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "AllAccessDisabled"})


def _fake_stat(size: int, mtime: float) -> os.stat_result:
    return os.stat_result((0o100644, 0, 0, 1, 0, 0, size, int(mtime), int(mtime), int(mtime)))


@functools.cache
def _xml_unsafe() -> re.Pattern[str]:
    """Compiled on first use (3 ms; only deletions need it)."""
    return re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(key: str) -> bool:
    return _xml_unsafe().search(key) is None


class _ChunkReader:
    """A ``read()``-able view of an iterable of chunks that hashes what passes through (for a
    PutObject body or the transfer manager, which reads a non-seekable stream part by part)."""

    def __init__(self, chunks: Iterable[bytes], on_bytes: OnBytes) -> None:
        import hashlib

        self._chunks = iter(chunks)
        self._buffer = b""
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.on_bytes = on_bytes

    def read(self, n: int = -1) -> bytes:
        parts = [self._buffer]
        have = len(self._buffer)
        while n < 0 or have < n:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        data, self._buffer = (data, b"") if n < 0 else (data[:n], data[n:])
        self.md5.update(data)
        if self.on_bytes is not None and data:
            self.on_bytes(len(data))
        return data


def _progress_subscriber(on_bytes: OnBytes) -> Any:
    from s3transfer.subscribers import BaseSubscriber

    class _Progress(BaseSubscriber):  # type: ignore[misc]
        def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
            if on_bytes is not None:
                on_bytes(bytes_transferred)

    return _Progress()


def _is_not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


class S3Prefix(Endpoint):
    """All objects of ``bucket`` whose keys start with ``prefix/`` (the whole bucket for ``""``).

    ``early``: a listing of this bucket and prefix started before this endpoint existed (the
    command line's, see :mod:`cargobay.sync.s3.early`), read by the first listing instead of
    fetching the pages again. ``lists_in_byte_order``: whether the store lists keys in byte
    order as AWS does; SeaweedFS does not (it walks its directory tree: ``c/x`` before ``c-``),
    and with False the listing is sorted here (the whole listing in memory, one batch). The
    sync session sets it False for an S3-to-S3 migration between two stores. ``streamer``: how
    an object of another endpoint is copied here through this process (the sync session gives
    :func:`cargobay.sync.s3stream.stream_object`, which imports this module: it is handed in, not
    imported here, so the two modules do not import each other); ``None``: :meth:`copy_from`
    answers ``CANT`` for another endpoint and the executor streams through :meth:`write`.
    """

    kind = "s3"
    holds_file_and_dir_at_same_name = True

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str = "",
        *,
        part_size: int = DEFAULT_PART_SIZE,
        listing: ListingSpec | None = None,
        early: EarlyListing | None = None,
        lists_in_byte_order: bool = True,
        streamer: Callable[..., int] | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.part_size = part_size
        self.listing = listing
        self._key_prefix = self.prefix + "/" if self.prefix else ""
        self._tm: Any = None
        self._tm_lock = threading.Lock()
        self._put: PutClient | None = None
        self.unsupported: builtins.list[str] = []
        self.early = early  # read by the next listing only
        self.lists_in_byte_order = lists_in_byte_order
        self.streamer = streamer

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, rel: str) -> str:
        return self._key_prefix + rel

    def child(self, sub: str) -> S3Prefix:
        """The prefix ``sub`` below this one, on the same client (backups)."""
        return S3Prefix(
            self.client,
            self.bucket,
            f"{self.prefix}/{sub}".strip("/"),
            part_size=self.part_size,
            listing=self.listing,
            streamer=self.streamer,
        )

    def open_backup(self, location: str) -> S3Prefix:
        if not location.startswith("s3://"):
            raise SyncError("--backup-dir for an S3 destination must be an s3:// location on the same endpoint")
        bucket, prefix = parse_s3_url(location)
        return S3Prefix(
            self.client, bucket, prefix, part_size=self.part_size, listing=self.listing, streamer=self.streamer
        )

    # ------------------------------------------------------------------------------- listing

    def open_listing(self, selection: Selection, *, errors: builtins.list[str]) -> Listing:
        """The listing, fetched ahead in a thread (:class:`~cargobay.sync.prefetch.Prefetch`: its
        wait for the server overlaps the other side's walk instead of following it; started now,
        not on the first ``next()``). A listing started early (:attr:`early`) already runs in a
        process or thread of its own: its pages are read directly (a second thread would only
        add a hand-over per page)."""
        if self.early is None:
            from cargobay.sync.prefetch import Prefetch

            return Prefetch(self.list_pages(selection, errors=errors))
        return self.list(selection, errors=errors)

    def list(self, selection: Selection, *, errors: builtins.list[str]) -> Generator[Entry]:
        """One paginated ``ListObjectsV2`` pass, in S3's (byte) order; folder markers are skipped.

        A listing that fails part-way raises :class:`SyncError`: half a listing must never be
        mistaken for the whole.
        """
        for batch in self.list_pages(selection, errors=errors):
            yield from batch

    def list_pages(self, selection: Selection, *, errors: builtins.list[str]) -> Iterator[builtins.list[Entry]]:
        """:meth:`list`, one list of entries per listing page (a page is converted in one loop,
        and a prefetching thread hands it over whole instead of entry by entry)."""
        if not self.lists_in_byte_order:
            batches = builtins.list(self._list_pages(selection, errors=errors))
            whole = [e for batch in batches for e in batch]
            whole.sort(key=lambda e: e.path)  # str order is UTF-8 byte order
            yield whole
            return
        yield from self._list_pages(selection, errors=errors)

    def _list_pages(self, selection: Selection, *, errors: builtins.list[str]) -> Iterator[builtins.list[Entry]]:
        self.unsupported = []
        skip = len(self._key_prefix)
        includes = selection.includes_file
        needs_stat = selection.needs_stat
        # No rules and no filters: every key is taken (what includes_file answers for any
        # relative path, without asking it 10,000 times).
        take_all = not selection.rules and selection.unmatched is RuleAction.INCLUDE and not needs_stat
        make = tuple.__new__  # the named tuple without its Python-level __new__ (once per object)
        md5_form = MD5_HEX.fullmatch  # is_md5_etag() without its unquote (done just above): 0.12 vs 0.28 us
        for rows in self._pages():
            batch: builtins.list[Entry] = []
            append = batch.append
            for key, size, etag, modified in rows:
                rel = key[skip:]
                if not rel or rel[-1] == "/":
                    continue
                if take_all:
                    if rel[0] == "/":  # not a relative path (includes_file refuses it too)
                        continue
                else:
                    try:
                        if needs_stat:
                            mtime = _dt.datetime.fromisoformat(modified).timestamp() if modified else 0.0
                            if not includes(rel, _fake_stat(size, mtime)):
                                continue
                        elif not includes(rel):
                            continue
                    except ValueError:
                        continue
                # unquote() for the usual '"<32 hex>"', without its strip/prefix checks (once per object)
                etag = etag[1:-1] if len(etag) == 34 and etag[0] == '"' == etag[-1] else unquote(etag)
                md5 = etag if md5_form(etag) else None
                append(make(Entry, (rel, size, None, md5, etag, None, False, False, ())))
            yield batch

    def _pages(self) -> Iterator[builtins.list[tuple[str, int, str, str]]]:
        """``(key, size, etag, last_modified)`` of every object under the prefix, in listing order,
        one list per page.

        Fast path: :mod:`cargobay.sync.s3.listing` (botocore's response parser costs about 0.2 ms per
        key, which would dominate a no-change re-sync). If the very first page cannot be had that
        way for a reason botocore might handle (a region redirect, a signature this server
        canonicalises differently), the listing falls back to botocore's paginator; an error
        after the first page is a failed listing. A listing started early
        (:attr:`early`, see :mod:`cargobay.sync.prefetch`) is read instead of fetching anew, once.
        """
        early, self.early = self.early, None
        if early is not None:
            rows_pages: Iterator[builtins.list[tuple[str, int, str, str]]] = early.pages()
            lister = None
        else:
            spec = self.listing or spec_from_client(real_client(self.client))
            if spec is None:
                yield from self._slow_pages()
                return
            lister = spec.open()
            rows_pages = (page.rows for page in lister.pages(self.bucket, self._key_prefix))
        first = True
        try:
            for rows in rows_pages:
                first = False
                yield rows
        except ListingFailed as exc:
            if first and exc.code not in _DEFINITE_CODES:
                yield from self._slow_pages()
                return
            raise SyncError(f"cannot list {self.describe()}: {exc}{listing_hint(exc)}") from None
        finally:
            if lister is not None:
                lister.close()
            if early is not None:
                early.close()

    def _slow_pages(self) -> Iterator[builtins.list[tuple[str, int, str, str]]]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = real_client(self.client)
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._key_prefix, "MaxKeys": PAGE_SIZE}
            if token:
                kwargs["ContinuationToken"] = token
            try:
                page = client.list_objects_v2(**kwargs)
            except (BotoCoreError, ClientError) as exc:
                raise SyncError(f"cannot list {self.describe()}: {exc}{listing_hint(exc)}") from None
            yield [
                (obj["Key"], int(obj["Size"]), obj.get("ETag", ""), obj["LastModified"].isoformat())
                for obj in page.get("Contents", ())
            ]
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")
            if not token:
                raise SyncError(f"cannot list {self.describe()}: truncated page without a continuation token")

    # ------------------------------------------------------------------------------- facts

    def fetch(self, entry: Entry, need: Need) -> Entry:
        if need.fact is not Fact.META:  # pragma: no cover - compare never asks
            raise SyncError(f"an S3 object cannot give {need.fact.value} without downloading it")
        return self.head(entry)

    def head(self, entry: Entry) -> Entry:
        """The entry with its metadata: mtime and an MD5 from ``md5chksum`` when the ETag is not one."""
        h = self.client.head_object(Bucket=self.bucket, Key=self.key(entry.path))
        return self._entry_from_head(entry.path, h)

    def _entry_from_head(self, rel: str, h: dict[str, Any]) -> Entry:
        etag = unquote(h.get("ETag", ""))
        user = {k.lower(): v for k, v in (h.get("Metadata") or {}).items()}
        md5 = etag if is_md5_etag(etag) else meta.md5_from_meta(user.get(meta.MD5_KEY))
        mtime = meta.parse_mtime(user.get(meta.MTIME_KEY))
        return Entry(rel, int(h.get("ContentLength", 0)), mtime, md5, etag, None, False, True)

    # ------------------------------------------------------------------------------- transfers

    def _put_client(self) -> PutClient:
        assert self.listing is not None
        with self._tm_lock:
            if self._put is None:
                from cargobay.sync.s3.put import PutClient

                self._put = PutClient(self.listing)
            return self._put

    def _transfer_manager(self) -> Any:
        with self._tm_lock:
            if self._tm is None:
                from boto3.s3.transfer import TransferConfig, create_transfer_manager

                config = TransferConfig(
                    multipart_threshold=self.part_size,
                    multipart_chunksize=self.part_size,
                    max_concurrency=10,
                )
                self._tm = create_transfer_manager(real_client(self.client), config)
            return self._tm

    def upload_file(self, file: LocalFile, rel: str, *, on_bytes: OnBytes = None) -> int:
        """Upload a local file with rclone's ``Mtime`` and ``Md5chksum`` metadata; the old object
        stays intact unless the new one arrives whole. Returns the bytes sent."""
        local_path, size, md5_hex = file.path, file.size, file.md5
        metadata = meta.upload_metadata(mtime_ns=file.mtime_ns, md5_hex=md5_hex)
        key = self.key(rel)
        if size < self.part_size and self.listing is not None and all(v.isascii() for v in metadata.values()):
            # Fast path (cargobay.sync.s3.put): where the listing is signed without botocore, so
            # are single-request uploads.
            with open(local_path, "rb") as fh:
                body = fh.read(size + 1)
            if len(body) != size:
                raise SyncError(f"{rel}: changed size while being uploaded ({size} -> {len(body)} bytes)")
            etag = self._put_client().put(self.bucket, key, body, md5_hex=md5_hex, metadata=metadata)
            if is_md5_etag(etag) and etag != md5_hex:
                raise SyncError(f"{rel}: server stored ETag {etag}, expected {md5_hex}")
            if on_bytes is not None:
                on_bytes(size)
            return size
        if size < self.part_size:
            with open(local_path, "rb") as fh:
                response = self.client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=fh,
                    ContentLength=size,
                    ContentMD5=base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii"),
                    Metadata=metadata,
                )
            etag = unquote(response.get("ETag", ""))
            if is_md5_etag(etag) and etag != md5_hex:
                raise SyncError(f"{rel}: server stored ETag {etag}, expected {md5_hex}")
            if on_bytes is not None:
                on_bytes(size)
            return size
        progress = _progress_subscriber(on_bytes)
        future = self._transfer_manager().upload(
            local_path, self.bucket, key, extra_args={"Metadata": metadata}, subscribers=[progress]
        )
        future.result()
        return size

    def write(
        self,
        rel: str,
        chunks: Iterable[bytes],
        *,
        size: int,
        mtime_ns: int | None,
        expected_md5: str | None,
        durable: bool,
        on_bytes: OnBytes = None,
    ) -> None:
        """Store a stream: one ``PutObject`` with ``Content-MD5`` below the part size (the bytes
        are checked against ``expected_md5`` before anything is sent), the transfer manager's
        multipart above (checked as they pass; a mismatch deletes what was stored). Carries
        rclone's ``Mtime`` and ``Md5chksum`` metadata like :meth:`upload_file`. ``durable``: S3
        acknowledges only stored objects."""
        import hashlib

        key = self.key(rel)
        metadata = meta.upload_metadata(mtime_ns=mtime_ns, md5_hex=expected_md5) if mtime_ns is not None else {}
        reader = _ChunkReader(chunks, on_bytes)
        if size < self.part_size:
            data = reader.read()
            digest = hashlib.md5(data, usedforsecurity=False)
            if expected_md5 is not None and digest.hexdigest() != expected_md5:
                raise ChecksumMismatch(f"{rel}: received MD5 {digest.hexdigest()}, expected {expected_md5}")
            response = self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentLength=len(data),
                ContentMD5=base64.b64encode(digest.digest()).decode("ascii"),
                Metadata=metadata,
            )
            etag = unquote(response.get("ETag", ""))
            if is_md5_etag(etag) and etag != digest.hexdigest():
                raise SyncError(f"{rel}: server stored ETag {etag}, expected {digest.hexdigest()}")
            return
        self._transfer_manager().upload(reader, self.bucket, key, extra_args={"Metadata": metadata}).result()
        if expected_md5 is not None and reader.md5.hexdigest() != expected_md5:
            self.client.delete_object(Bucket=self.bucket, Key=key)
            raise ChecksumMismatch(f"{rel}: received MD5 {reader.md5.hexdigest()}, expected {expected_md5}; not kept")

    def open_read(self, rel: str) -> tuple[Entry, Iterator[bytes]]:
        """A streaming GET: the object's entry (from the same response; its mtime from
        ``X-Amz-Meta-Mtime``, else Last-Modified in whole seconds) and its body in chunks."""
        response = self.client.get_object(Bucket=self.bucket, Key=self.key(rel))
        entry = self._entry_from_head(rel, response)
        if entry.mtime_ns is None and response.get("LastModified") is not None:
            entry = entry._replace(mtime_ns=int(response["LastModified"].timestamp()) * 1_000_000_000)
        body = response["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(1 << 20)
            finally:
                body.close()

        return entry, chunks()

    def copy_from(self, source: Endpoint, entry: Entry, *, durable: bool, on_bytes: OnBytes = None) -> int | Cant:
        """From another S3 prefix: server-side on the same endpoint (one client), else streamed
        through this process with the object's content headers, metadata and tags
        (:attr:`streamer`). Returns the bytes carried."""
        if not isinstance(source, S3Prefix):
            return CANT
        if source.client is not self.client:
            if self.streamer is None:
                return CANT
            carried: int = self.streamer(source, self, entry.path, on_bytes=on_bytes)
            return carried
        self._server_copy(source, entry.path, size=entry.size)
        if on_bytes is not None:
            on_bytes(entry.size)
        return entry.size

    def _server_copy(self, source: S3Prefix, rel: str, *, size: int) -> None:
        """Server-side copy of ``rel`` from ``source`` (same endpoint); metadata comes along."""
        src = {"Bucket": source.bucket, "Key": source.key(rel)}
        if size < self.part_size:
            self.client.copy_object(CopySource=src, Bucket=self.bucket, Key=self.key(rel), MetadataDirective="COPY")
            return
        h = self.client.head_object(Bucket=source.bucket, Key=source.key(rel))
        future = self._transfer_manager().copy(
            src, self.bucket, self.key(rel), extra_args={"Metadata": h.get("Metadata") or {}}
        )
        future.result()

    def path_of(self, other: S3Prefix) -> str | None:
        if other.bucket != self.bucket:
            return None
        there = other.prefix.strip("/")
        here = self.prefix.strip("/")
        if there == here:
            return ""
        if not here:
            return there
        return there[len(here) + 1 :] if there.startswith(here + "/") else None

    def backup(self, rel: str, backup: S3Prefix, *, move: bool) -> bool:
        """Server-side copy of the current object to ``backup`` (S3 has no move: ``move`` changes
        nothing, the deletion follows); False if there is none."""
        try:
            h = self.client.head_object(Bucket=self.bucket, Key=self.key(rel))
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        backup._server_copy(self, rel, size=int(h.get("ContentLength", 0)))
        return True

    def delete_many(self, rels: builtins.list[str]) -> builtins.list[tuple[str, str]]:
        """Delete in batches of 1000; returns ``(rel, message)`` for every key not deleted.

        Keys that an XML 1.0 body cannot carry (control characters, a carriage return, which XML
        parsers turn into a newline) are deleted one by one with ``DeleteObject``, as AWS advises.
        """
        failed: builtins.list[tuple[str, str]] = []
        batchable = [r for r in rels if _xml_safe(self.key(r))]
        for rel in rels:
            if not _xml_safe(self.key(rel)):
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=self.key(rel))
                except Exception as exc:
                    failed.append((rel, str(exc)))
        skip = len(self._key_prefix)
        for start in range(0, len(batchable), 1000):
            batch = batchable[start : start + 1000]
            try:
                response = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": self.key(r)} for r in batch], "Quiet": True},
                )
            except Exception as exc:
                failed.extend((r, str(exc)) for r in batch)
                continue
            for err in response.get("Errors", ()):
                failed.append((err.get("Key", "")[skip:], f"{err.get('Code')}: {err.get('Message')}"))
        return failed

    def cancel_transfers(self) -> None:
        """Cancel the multipart transfers in flight (s3transfer aborts each upload on the server)."""
        with self._tm_lock:
            if self._tm is not None:
                self._tm.shutdown(cancel=True, cancel_msg="interrupted")
                self._tm = None

    def close(self) -> None:
        with self._tm_lock:
            if self._put is not None:
                self._put.close()
                self._put = None
            if self._tm is not None:
                self._tm.shutdown()
                self._tm = None
