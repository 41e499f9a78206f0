"""Normalised S3 outcomes, so that two servers (or a server and the model) can be compared.

What is dropped, and why: request ids and ``x-amz-id-2`` (random), ``Date`` and ``Last-Modified``
(clocks differ), owner ids and display names (per-account), header-name case (HTTP says it does
not matter), and the error ``Message`` text (AWS documents codes, not messages). What is kept:
status, AWS error code, ETag, Content-Length, Content-Range, content headers, ``x-amz-meta-*``
and body bytes.

An :class:`Outcome` is a plain frozen value; :func:`call` turns a boto3 call into one, whether it
succeeded or raised ``ClientError``. Imports of botocore happen inside functions so that importing
this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Headers worth comparing on GET/HEAD (lower-case). Content-Type is left out on purpose: servers
# guess different defaults when the client sends none (AWS: binary/octet-stream).
OBJECT_HEADERS = (
    "etag",
    "content-length",
    "content-range",
    "content-encoding",
    "content-disposition",
    "content-language",
    "cache-control",
)


@dataclass(frozen=True)
class Outcome:
    """One response, normalised: what the suite compares."""

    status: int
    code: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    data: Any = None  # an operation-specific, already-normalised value (listing, deleted keys...)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Listing:
    """A complete listing: every page followed; keys with (size, etag) and common prefixes."""

    objects: tuple[tuple[str, int, str], ...] = field(default=())
    prefixes: tuple[str, ...] = field(default=())

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _, _ in self.objects)


def status_and_code(exc: BaseException) -> tuple[int, str | None]:
    """(HTTP status, AWS error code) from a botocore ``ClientError`` (ceph's idea).

    HEAD responses carry no body, so botocore reports the status as the code ("404"): that is
    normalised to ``None``, the code cannot be known from the wire.
    """
    response: Mapping[str, Any] = getattr(exc, "response", {}) or {}
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    code = response.get("Error", {}).get("Code")
    if code is not None and str(code).isdigit():
        code = None
    return status, code


def pick_headers(headers: Mapping[str, str], names: Iterable[str] = OBJECT_HEADERS) -> tuple[tuple[str, str], ...]:
    """The named headers (case-insensitive) plus every ``x-amz-meta-*``, sorted, names lower-case."""
    lowered = {name.lower(): value for name, value in headers.items()}
    wanted = set(names)
    return tuple(sorted((n, v) for n, v in lowered.items() if n in wanted or n.startswith("x-amz-meta-")))


def call(fn: Callable[[], Any], *, convert: Callable[[Any], Outcome] | None = None) -> Outcome:
    """Run a boto3 call and normalise its result or its ``ClientError``."""
    from botocore.exceptions import ClientError

    try:
        result = fn()
    except ClientError as exc:
        status, code = status_and_code(exc)
        return Outcome(status=status, code=code)
    if convert is not None:
        return convert(result)
    return Outcome(status=int(result["ResponseMetadata"]["HTTPStatusCode"]))


def object_outcome(result: Mapping[str, Any], *, read_body: bool) -> Outcome:
    """A GetObject/HeadObject result: status, the headers that matter, body bytes."""
    headers = result["ResponseMetadata"].get("HTTPHeaders", {})
    body = result["Body"].read() if read_body else None
    return Outcome(status=int(result["ResponseMetadata"]["HTTPStatusCode"]), headers=pick_headers(headers), body=body)


def etag_outcome(result: Mapping[str, Any]) -> Outcome:
    """A write (PutObject, CopyObject, CompleteMultipartUpload): status and the new ETag."""
    etag = result.get("ETag") or result.get("CopyObjectResult", {}).get("ETag")
    return Outcome(status=int(result["ResponseMetadata"]["HTTPStatusCode"]), headers=(("etag", str(etag)),))


def full_listing(
    client: Any,
    bucket: str,
    *,
    prefix: str = "",
    delimiter: str = "",
    page_size: int = 1000,
    v2: bool = True,
    max_pages: int = 10_000,
) -> Listing:
    """Follow every page (v2 continuation tokens, or v1 markers) and return one :class:`Listing`.

    ``max_pages`` bounds the loop: a server that ignores the token would otherwise loop forever;
    exceeding it raises ``AssertionError`` naming the fault.
    """
    objects: list[tuple[str, int, str]] = []
    prefixes: list[str] = []
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    seen: set[str] = set()
    for _ in range(max_pages):
        page = client.list_objects_v2(**kwargs) if v2 else client.list_objects(**kwargs)
        contents = page.get("Contents", [])
        objects += [(o["Key"], int(o["Size"]), o["ETag"]) for o in contents]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page.get("IsTruncated"):
            return Listing(tuple(objects), tuple(prefixes))
        if v2:
            token = page.get("NextContinuationToken")
            if not token:
                raise AssertionError("V2 paging broken: IsTruncated is true but there is no NextContinuationToken")
            kwargs["ContinuationToken"] = token
        else:
            last_key = contents[-1]["Key"] if contents else ""
            last_prefix = prefixes[-1] if page.get("CommonPrefixes") else ""
            kwargs["Marker"] = page.get("NextMarker") or max(last_key, last_prefix, key=_s3_order)
        step = str(kwargs.get("ContinuationToken") or kwargs.get("Marker"))
        if step in seen:
            what = "continuation token" if v2 else "Marker"
            raise AssertionError(f"listing does not advance: the same {what} {step[:60]!r} came back (ignored?)")
        seen.add(step)
    raise AssertionError(f"listing never ended after {max_pages} pages: continuation token ignored?")


def _s3_order(text: str) -> bytes:
    return text.encode("utf-8")


def s3_sorted(keys: Iterable[str]) -> list[str]:
    """Keys in S3 listing order: UTF-8 byte order (not Python's code-point order... which agrees
    for UTF-8, but spelling it out keeps the rule visible)."""
    return sorted(keys, key=_s3_order)
