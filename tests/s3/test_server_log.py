"""The server access log record, key and operation name (s3/server_log.py): AWS's LogFormat.html shape,
with every field recoverable whatever it holds (spaces, quotes, control characters, non-ASCII)."""

from __future__ import annotations

import calendar
import re
from dataclasses import fields, replace
from urllib.parse import unquote

from hypothesis import example, given
from hypothesis import strategies as st

from cargobay.s3 import server_log
from cargobay.s3.server_log import LoggingConfig, Record, TargetGrant, format_record, log_key, operation

# LogFormat.html: the time in brackets, three fields in double quotes, the others one token each.
_FIELD = re.compile(r'\[[^\]]*\]|"(?:[^"\\]|\\.)*"|[^ ]+')
_QUOTED_FIELDS = (8, 15, 16)  # Request-URI, Referer, User-Agent
_UNESCAPE = re.compile(r'\\(x[0-9a-f]{2}|["\\])')

WHEN = calendar.timegm((2019, 2, 6, 0, 0, 38))


def _record(**changes: object) -> Record:
    base = Record(
        bucket_owner="79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        bucket="amzn-s3-demo-bucket1",
        time=WHEN,
        remote_ip="192.0.2.3",
        requester="79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        request_id="3E57427F3EXAMPLE",
        operation="REST.GET.VERSIONING",
        key=None,
        request_uri="GET /amzn-s3-demo-bucket1?versioning HTTP/1.1",
        status=200,
        error_code=None,
        bytes_sent=113,
        object_size=None,
        total_ms=7,
        turnaround_ms=None,
        referer=None,
        user_agent="S3Console/0.4",
        version_id=None,
        host_id="s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=",
        signature_version="SigV4",
        cipher_suite="ECDHE-RSA-AES128-GCM-SHA256",
        auth_type="AuthHeader",
        host_header="amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com",
        tls_version="TLSV1.2",
        access_point_arn="arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP",
        acl_required="Yes",
        source_region="us-east-1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_documented_example_record() -> None:
    """The first record of LogFormat.html's example, field for field."""
    assert format_record(_record()) == (
        "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be amzn-s3-demo-bucket1 "
        "[06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be "
        '3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /amzn-s3-demo-bucket1?versioning HTTP/1.1" 200 - 113 - 7 - '
        '"-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 '
        "ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com TLSV1.2 "
        "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1"
    )


def test_zero_bytes_sent_is_a_dash_and_the_key_is_url_encoded() -> None:
    fields_ = _FIELD.findall(format_record(_record(bytes_sent=0, key="photos/a b+c%.jpg")))
    assert (fields_[7], fields_[11]) == ("photos/a%20b%2Bc%25.jpg", "-")


_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)


@given(
    key=st.one_of(st.none(), _TEXT),
    uri=_TEXT,
    referer=st.one_of(st.none(), _TEXT),
    agent=st.one_of(st.none(), _TEXT),
    host=st.one_of(st.none(), _TEXT),
    requester=st.one_of(st.none(), _TEXT),
    error=st.one_of(st.none(), _TEXT),
)
@example(key='a "b"', uri='GET /b/"x" HTTP/1.1', referer="\\", agent="a\nb", host='h"%41', requester="u v", error="%")
def test_every_field_comes_back_from_the_line(
    key: str | None,
    uri: str,
    referer: str | None,
    agent: str | None,
    host: str | None,
    requester: str | None,
    error: str | None,
) -> None:
    """Whatever a client puts in a header or a key, the record stays one line of exactly the documented
    fields, and each field reads back to what was recorded: quoted ones unescaped, bare ones
    percent-decoded (the key is URL-encoded, as LogFormat.html says)."""
    record = _record(
        key=key,
        request_uri=uri,
        referer=referer,
        user_agent=agent,
        host_header=host,
        requester=requester,
        error_code=error,
    )
    line = format_record(record)
    assert "\n" not in line and "\r" not in line
    got = _FIELD.findall(line)
    assert len(got) == len(fields(Record)), (line, got)
    assert " ".join(got) == line  # nothing between the fields but one space each

    def quoted(i: int) -> str:
        text = got[i]
        assert text[0] == text[-1] == '"' and len(text) >= 2
        return _UNESCAPE.sub(lambda m: chr(int(m[1][1:], 16)) if m[1][0] == "x" else m[1], text[1:-1])

    def bare(i: int) -> str:
        assert not any(c in got[i] for c in ' "\n'), got[i]
        return unquote(got[i])

    assert quoted(8) == uri or (not uri and quoted(8) == "-")
    assert quoted(15) == (referer or "-")
    assert quoted(16) == (agent or "-")
    assert bare(7) == (key or "-")
    assert bare(22) == (host or "-")
    assert bare(4) == (requester or "-")
    assert bare(10) == (error or "-")


def test_operation_names() -> None:
    assert operation("GET", "k", None, copy=False) == "REST.GET.OBJECT"
    assert operation("HEAD", "k", None, copy=False) == "REST.HEAD.OBJECT"
    assert operation("PUT", "k", None, copy=True) == "REST.COPY.OBJECT"
    assert operation("PUT", "k", "uploadId", copy=False) == "REST.PUT.PART"
    assert operation("PUT", "k", "uploadId", copy=True) == "REST.COPY.PART"
    assert operation("POST", "k", "uploadId", copy=False) == "REST.POST.UPLOAD"
    assert operation("POST", "k", "uploads", copy=False) == "REST.POST.UPLOADS"
    assert operation("GET", "k", "tagging", copy=False) == "REST.GET.OBJECT_TAGGING"
    assert operation("GET", None, None, copy=False) == "REST.GET.BUCKET"
    assert operation("GET", None, "versioning", copy=False) == "REST.GET.VERSIONING"
    assert operation("PUT", None, "logging", copy=False) == "REST.PUT.LOGGING_STATUS"
    assert operation("GET", None, "policy", copy=False) == "REST.GET.BUCKETPOLICY"
    assert operation("POST", None, "delete", copy=False) == "REST.POST.MULTI_OBJECT_DELETE"


def test_log_keys() -> None:
    """ServerLogs.html and API_PartitionedPrefix.html."""
    when = calendar.timegm((2023, 10, 2, 17, 22, 41))
    simple = LoggingConfig("t", "logs/")
    assert log_key(simple, source="s", account="acct", region="r", when=when, unique="U1") == (
        "logs/2023-10-02-17-22-41-U1"
    )
    delivery = LoggingConfig("t", "p/", key_format=server_log.PARTITIONED, date_source=server_log.DELIVERY_TIME)
    assert log_key(delivery, source="src", account="acct", region="eu-west-1", when=when, unique="U2") == (
        "p/acct/eu-west-1/src/2023/10/02/2023-10-02-17-22-41-U2"
    )
    for source in (server_log.EVENT_TIME, None):  # EventTime is the default of a PartitionedPrefix
        event = LoggingConfig("t", "", key_format=server_log.PARTITIONED, date_source=source)
        assert event.by_event_day
        assert log_key(event, source="src", account="a", region="r", when=when, unique="U3") == (
            "a/r/src/2023/10/02/2023-10-02-00-00-00-U3"
        )


def test_configuration_json_round_trip() -> None:
    config = LoggingConfig(
        "t",
        "p/",
        (TargetGrant("group", "http://acs.amazonaws.com/groups/global/AllUsers", "READ"),),
        server_log.PARTITIONED,
        server_log.EVENT_TIME,
    )
    assert LoggingConfig.from_json(config.to_json()) == config
