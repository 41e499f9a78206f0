"""The S3 endpoint: a bucket and key prefix reached through boto3, and the object-level operations a
sync needs (list, HEAD, upload, streaming download, server-side copy, batch delete).

Listing is one ``ListObjectsV2`` pass with pagination: size and ETag come with it, so a no-change
re-sync makes no request per object. The pages are fetched by :mod:`cargobay.sync.s3list`, signed
by cargobay itself; the botocore client is made on first use (:class:`LazyClient`), so a sync
that transfers nothing never imports botocore when the credentials are explicit or in the
environment (see :func:`listing_spec` for exactly when). Metadata (``X-Amz-Meta-Mtime``, ``X-Amz-Meta-Md5chksum``) is
read by HEAD only when the comparison asks for it (objects whose ETag is not an MD5).

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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from cargobay.errors import SyncError, UsageError
from cargobay.s3.etag import MD5_HEX, is_md5_etag, unquote
from cargobay.s3.signing import Credentials
from cargobay.select import Selection
from cargobay.select.rules import RuleAction
from cargobay.sync import meta
from cargobay.sync.model import DEFAULT_PART_SIZE, DEFAULT_TRANSFERS, Entry, Fact, Need
from cargobay.sync.s3list import PAGE_SIZE, ListingFailed

# Re-exported: they lived here before the command line needed them without this module's imports.
from cargobay.sync.s3spec import ListingSpec as ListingSpec
from cargobay.sync.s3spec import S3Settings as S3Settings
from cargobay.sync.s3spec import listing_spec as listing_spec
from cargobay.sync.s3spec import parse_s3_url as parse_s3_url

if TYPE_CHECKING:
    from cargobay.sync.prefetch import EarlyListing
    from cargobay.sync.s3put import PutClient

# Answers to a first listing page that botocore would give too: no point in asking it again.
_DEFINITE_CODES = frozenset({"NoSuchBucket", "AccessDenied", "InvalidAccessKeyId", "AllAccessDisabled"})



@functools.lru_cache(maxsize=4)
def _session(profile: str | None) -> Any:
    """One botocore session per profile and process: it caches the parsed service model, so the
    second client costs milliseconds, not a reload of the JSON model."""
    import botocore.session

    return botocore.session.Session(profile=profile)


def make_client(settings: S3Settings, *, transfers: int = DEFAULT_TRANSFERS) -> Any:
    """A thread-safe boto3 S3 client with standard retries and a pool sized for ``transfers``.

    Request checksums are sent only when an operation requires them: S3-compatible servers that
    predate the 2025 flexible-checksum defaults would otherwise reject uploads (cargobay sends
    ``Content-MD5`` itself).
    """
    from botocore.config import Config

    # botocore rather than boto3: the same credential chain and client, without importing the
    # transfer manager (and awscrt) at start-up; s3transfer is imported when a large file needs it.
    try:
        session = _session(settings.profile)
        region = settings.region or session.get_config_variable("region") or "us-east-1"
    except Exception as exc:  # botocore.exceptions.ProfileNotFound and friends
        raise UsageError(f"cannot use AWS profile {settings.profile!r}: {exc}") from None
    style = settings.addressing_style or ("path" if settings.endpoint_url else "auto")
    config = Config(
        s3={"addressing_style": style},
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        max_pool_connections=max(10, transfers * 5),
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.create_client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=region,
        config=config,
    )


class LazyClient:
    """A botocore client made on first use (thread-safe); attribute access is passed through.

    Importing botocore and building a client is most of the cost of a sync that transfers
    nothing, so the session hands this out instead and only a transfer, a HEAD or a delete
    pays for it.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def get(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)


def real_client(client: Any) -> Any:
    """The botocore client behind ``client`` (made now if it is a :class:`LazyClient`)."""
    return client.get() if isinstance(client, LazyClient) else client


def spec_from_client(client: Any) -> ListingSpec | None:
    """The listing target of a botocore client: its endpoint, region, addressing style and
    credentials (refreshable ones are frozen per page). ``None`` if the client has no credentials
    or uses a proxy."""
    try:
        signer_creds = client._request_signer._credentials  # botocore's own credential object
        meta_ = client.meta
        if signer_creds is None or meta_.config.proxies:
            return None
        style = (meta_.config.s3 or {}).get("addressing_style")
        region = meta_.region_name or "us-east-1"
        endpoint = meta_.endpoint_url
    except AttributeError:
        return None

    def credentials() -> Credentials:
        frozen = signer_creds.get_frozen_credentials()
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    if style in (None, "auto"):
        style = "auto" if (endpoint or "").rstrip("/").endswith(".amazonaws.com") else "path"
    return ListingSpec(endpoint, region, credentials, style, os.environ.get("AWS_CA_BUNDLE") or None)


def listing_hint(exc: BaseException) -> str:
    """The fix to add to a listing error a user can act on (credentials, endpoint, bucket)."""
    name = type(exc).__name__
    code = str(getattr(exc, "code", "") or "")
    if not code and hasattr(exc, "response"):
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --profile"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionRefusedError") or isinstance(
        exc, ConnectionError
    ):
        return ": is the server running, and is --endpoint right?"
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return ": the credentials were refused: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --profile"
    if code == "NoSuchBucket":
        return ": the bucket does not exist: create it first"
    return ""


def _fake_stat(size: int, mtime: float) -> os.stat_result:
    return os.stat_result((0o100644, 0, 0, 1, 0, 0, size, int(mtime), int(mtime), int(mtime)))


@functools.cache
def _xml_unsafe() -> re.Pattern[str]:
    """Compiled on first use (3 ms; only deletions need it)."""
    return re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(key: str) -> bool:
    return _xml_unsafe().search(key) is None


def _is_not_found(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


class S3Prefix:
    """All objects of ``bucket`` whose keys start with ``prefix/`` (the whole bucket for ``""``)."""

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
        # A listing of this bucket and prefix started before this endpoint existed (adopted by
        # the sync session from the command line's early start); read by the next listing only.
        self.early: EarlyListing | None = None
        # Whether the store lists keys in byte order as AWS does. SeaweedFS does not (it walks
        # its directory tree: ``c/x`` before ``c-``); set False and the listing is sorted here
        # (the whole listing in memory, one batch). Set by the session for S3-to-S3 migrations.
        self.lists_in_byte_order = True

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, rel: str) -> str:
        return self._key_prefix + rel

    def child(self, sub: str) -> S3Prefix:
        """The prefix ``sub`` below this one, on the same client (backups)."""
        return S3Prefix(self.client, self.bucket, f"{self.prefix}/{sub}".strip("/"), part_size=self.part_size,
                        listing=self.listing)

    # ------------------------------------------------------------------------------- listing

    def list(self, selection: Selection, *, errors: builtins.list[str]) -> Iterator[Entry]:
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

        Fast path: :mod:`cargobay.sync.s3list` (botocore's response parser costs about 0.2 ms per
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
                from cargobay.sync.s3put import PutClient

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

    def upload(
        self,
        local_path: str,
        rel: str,
        *,
        size: int,
        md5_hex: str,
        metadata: dict[str, str],
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        """Upload a local file; the old object stays intact unless the new one arrives whole."""
        key = self.key(rel)
        if size < self.part_size and self.listing is not None and all(v.isascii() for v in metadata.values()):
            # Fast path (cargobay.sync.s3put): where the listing is signed without botocore, so
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
            return
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
            return
        from s3transfer.subscribers import BaseSubscriber

        class _Progress(BaseSubscriber):  # type: ignore[misc]
            def on_progress(self, future: Any, bytes_transferred: int, **kwargs: Any) -> None:
                if on_bytes is not None:
                    on_bytes(bytes_transferred)

        future = self._transfer_manager().upload(
            local_path, self.bucket, key, extra_args={"Metadata": metadata}, subscribers=[_Progress()]
        )
        future.result()

    def open_read(self, rel: str) -> tuple[Entry, Iterator[bytes]]:
        """A streaming GET: the object's entry (from the same response) and its body in chunks."""
        response = self.client.get_object(Bucket=self.bucket, Key=self.key(rel))
        entry = self._entry_from_head(rel, response)
        body = response["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(1 << 20)
            finally:
                body.close()

        return entry, chunks()

    def copy_from(self, source: S3Prefix, rel: str, *, size: int) -> None:
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

    def backup(self, rel: str, backup: S3Prefix) -> bool:
        """Server-side copy of the current object to ``backup``; False if there is none."""
        try:
            h = self.client.head_object(Bucket=self.bucket, Key=self.key(rel))
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        backup.copy_from(self, rel, size=int(h.get("ContentLength", 0)))
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
