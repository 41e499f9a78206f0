"""Server access logging, the pure part: a bucket's logging configuration, one log record as a line,
the operation name of a request, and the key of a log object.

The record format is AWS's (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html):
space-delimited fields in a fixed order, ``-`` for a field that is unknown or does not apply, the time
in brackets (``[06/Feb/2019:00:00:38 +0000]``), and Request-URI, Referer and User-Agent in double
quotes. The page does not say how a quote inside a quoted field is written; here it is ``\\"`` (and a
backslash ``\\\\``), so a reader splitting on the documented shape gets every field back. An unquoted
field never holds a space, a quote or a control character: those are percent-encoded (a host header
or a user name could carry one, and would shift every field after it).

Log object keys (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html,
API_PartitionedPrefix.html): ``[TargetPrefix]YYYY-mm-DD-HH-MM-SS-UniqueString`` with a SimplePrefix (the
default), or ``[TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-
UniqueString`` with a PartitionedPrefix, whose date is the delivery time (DeliveryTime) or the day the
requests were made with the time at 00-00-00 (EventTime, the default). cargobay has no AWS account ids:
the SourceAccountId is the source bucket owner's canonical id.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

SIMPLE = "SimplePrefix"
PARTITIONED = "PartitionedPrefix"
EVENT_TIME = "EventTime"
DELIVERY_TIME = "DeliveryTime"
DATE_SOURCES = (EVENT_TIME, DELIVERY_TIME)
# API_TargetGrant.html names FULL_CONTROL | READ | WRITE; AWS also takes the ACP permissions of an
# object ACL (localstack/localstack#6764: a grant of READ_ACP accepted by AWS).
TARGET_PERMISSIONS = ("FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP")


@dataclass(frozen=True)
class TargetGrant:
    kind: str  # "user" (who: canonical id) | "group" (who: group URI)
    who: str
    permission: str


@dataclass(frozen=True)
class LoggingConfig:
    """One bucket's LoggingEnabled (API_LoggingEnabled.html); ``key_format`` None: none was sent
    (a SimplePrefix is used and nothing is reported)."""

    target_bucket: str
    target_prefix: str
    grants: tuple[TargetGrant, ...] = ()
    key_format: str | None = None  # SIMPLE | PARTITIONED
    date_source: str | None = None  # with PARTITIONED: EVENT_TIME | DELIVERY_TIME | None (sent without one)

    def to_json(self) -> dict[str, Any]:
        return {
            "target_bucket": self.target_bucket,
            "target_prefix": self.target_prefix,
            "grants": [[g.kind, g.who, g.permission] for g in self.grants],
            "key_format": self.key_format,
            "date_source": self.date_source,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> LoggingConfig:
        return cls(
            target_bucket=str(doc["target_bucket"]),
            target_prefix=str(doc.get("target_prefix") or ""),
            grants=tuple(TargetGrant(str(k), str(w), str(p)) for k, w, p in doc.get("grants") or ()),
            key_format=doc.get("key_format"),
            date_source=doc.get("date_source"),
        )

    @property
    def by_event_day(self) -> bool:
        """A PartitionedPrefix partitions by the requests' day unless DeliveryTime was asked for."""
        return self.key_format == PARTITIONED and self.date_source != DELIVERY_TIME


# -- the key of a log object -------------------------------------------------------------------------


def log_key(config: LoggingConfig, *, source: str, account: str, region: str, when: float, unique: str) -> str:
    """The key of a log object delivered at ``when`` (for an EventTime partition: any time of the
    requests' day, which is all that is used)."""
    stamp = time.gmtime(when)
    if config.key_format != PARTITIONED:
        return f"{config.target_prefix}{time.strftime('%Y-%m-%d-%H-%M-%S', stamp)}-{unique}"
    day = time.strftime("%Y/%m/%d", stamp)
    name = time.strftime("%Y-%m-%d-00-00-00" if config.by_event_day else "%Y-%m-%d-%H-%M-%S", stamp)
    return f"{config.target_prefix}{account}/{region}/{source}/{day}/{name}-{unique}"


def event_day(when: float) -> int:
    """The UTC day of a request (days since the epoch): the partition of an EventTime prefix."""
    return int(when // 86400)


# -- the operation name ------------------------------------------------------------------------------

# REST.HTTP_method.resource_type (LogFormat.html, "Operation"): the resource type of a bucket
# subresource, as AWS's logs name them (LogFormat.html's example shows VERSIONING, LOGGING_STATUS,
# BUCKETPOLICY); one not named here is its subresource in upper case.
_BUCKET_RESOURCES = {
    "acl": "ACL",
    "logging": "LOGGING_STATUS",
    "policy": "BUCKETPOLICY",
    "policyStatus": "BUCKETPOLICYSTATUS",
    "versions": "BUCKETVERSIONS",
    "uploads": "UPLOADS",
    "location": "LOCATION",
    "lifecycle": "LIFECYCLE",
    "delete": "MULTI_OBJECT_DELETE",
    "object-lock": "OBJECT_LOCK_CONFIGURATION",
    "ownershipControls": "OWNERSHIP_CONTROLS",
    "publicAccessBlock": "PUBLIC_ACCESS_BLOCK",
    "requestPayment": "REQUEST_PAYMENT",
    "notification": "NOTIFICATION",
}
_OBJECT_RESOURCES = {
    "acl": "ACL",
    "tagging": "OBJECT_TAGGING",
    "retention": "OBJECT_RETENTION",
    "legal-hold": "OBJECT_LEGAL_HOLD",
    "attributes": "OBJECT_ATTRIBUTES",
    "uploads": "UPLOADS",
}


def operation(method: str, key: str | None, sub: str | None, *, copy: bool) -> str:
    """``REST.GET.OBJECT``, ``REST.PUT.PART``, ``REST.COPY.OBJECT``... of a request on a bucket
    (``key`` None) or an object, with subresource ``sub`` (the query parameter that routes it)."""
    if key is None:
        resource = "BUCKET" if sub is None else _BUCKET_RESOURCES.get(sub, sub.upper())
        return f"REST.{method}.{resource}"
    if sub == "uploadId":
        resource = "PART" if method == "PUT" else "UPLOAD"
        return f"REST.{'COPY' if copy else method}.{resource}"
    if sub is not None:
        return f"REST.{method}.{_OBJECT_RESOURCES.get(sub, sub.upper())}"
    if copy and method == "PUT":
        return "REST.COPY.OBJECT"
    return f"REST.{method}.OBJECT"


# -- one record --------------------------------------------------------------------------------------


@dataclass
class Record:
    """The fields of one log record, in LogFormat.html's order (None: ``-``)."""

    bucket_owner: str
    bucket: str
    time: float  # when the request was received (Unix seconds)
    remote_ip: str | None
    requester: str | None
    request_id: str
    operation: str
    key: str | None  # as stored; URL-encoded when written
    request_uri: str  # "GET /bucket/key?x HTTP/1.1"
    status: int
    error_code: str | None
    bytes_sent: int
    object_size: int | None
    total_ms: int
    turnaround_ms: int | None
    referer: str | None
    user_agent: str | None
    version_id: str | None
    host_id: str | None
    signature_version: str | None  # SigV2 | SigV4
    cipher_suite: str | None
    auth_type: str | None  # AuthHeader | QueryString
    host_header: str | None
    tls_version: str | None
    access_point_arn: str | None = None
    acl_required: str | None = None  # "Yes" when an ACL was needed to allow the request
    source_region: str | None = None


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# What an unquoted field may hold as it is: printable ASCII but space, quote and percent.
_BARE = re.compile(r"[!#-$&-~]+")
# What a quoted field must escape: the quote, the backslash, and control characters (a line break
# would split the record).
_QUOTED_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f]')


def _bare(value: str | None) -> str:
    """An unquoted field: ``-`` when unknown or empty, otherwise one token."""
    if value is None:
        return "-"
    text = str(value)
    if not text:
        return "-"
    if _BARE.fullmatch(text):
        return text
    return quote(text, safe="!#$&'()*+,/:;=?@[]^`{|}~")


def _escape_quoted(match: re.Match[str]) -> str:
    char = match.group()
    if char in '"\\':
        return "\\" + char
    return f"\\x{ord(char):02x}"


def _quoted(value: str | None) -> str:
    """A quoted field (Request-URI, Referer, User-Agent): ``"-"`` when absent, as AWS writes it."""
    if not value:
        return '"-"'
    return '"' + _QUOTED_SPECIAL.sub(_escape_quoted, value) + '"'


def log_time(when: float) -> str:
    """``[06/Feb/2019:00:00:38 +0000]``."""
    t = time.gmtime(when)
    return f"[{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000]"


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)


def format_record(r: Record) -> str:
    """One line (without its newline)."""
    # The unquoted text fields, checked in one search: most are what the server itself wrote (ids,
    # names, codes) and need nothing, and one search over them all costs a fraction of one per field
    # (the same trick as xml.escape_all). A field holding anything else is encoded on its own.
    bare = [
        r.bucket_owner,
        r.bucket,
        r.remote_ip,
        r.requester,
        r.request_id,
        r.operation,
        r.error_code,
        r.version_id,
        r.host_id,
        r.signature_version,
        r.cipher_suite,
        r.auth_type,
        r.host_header,
        r.tls_version,
        r.access_point_arn,
        r.acl_required,
        r.source_region,
    ]
    texts = [value or "-" for value in bare]
    if not _BARE.fullmatch("".join(texts)):
        texts = [_bare(value) for value in bare]
    owner, bucket, ip, requester, request_id, op, error, version, host_id, sig, cipher, auth, host = texts[:13]
    tls, access_point, acl_required, region = texts[13:]
    fields = [
        owner,
        bucket,
        log_time(r.time),
        ip,
        requester,
        request_id,
        op,
        "-" if r.key is None else (quote(r.key, safe="/") or "-"),  # URL-encoded: one token
        _quoted(r.request_uri),
        str(r.status),
        error,
        str(r.bytes_sent) if r.bytes_sent else "-",  # "or - if zero"
        _number(r.object_size),
        str(r.total_ms),
        _number(r.turnaround_ms),
        _quoted(r.referer),
        _quoted(r.user_agent),
        version,
        host_id,
        sig,
        cipher,
        auth,
        host,
        tls,
        access_point,
        acl_required,
        region,
    ]
    return " ".join(fields)
