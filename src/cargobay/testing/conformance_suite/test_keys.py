"""Object keys users actually hit: every special character, ``..``/``.``/empty segments,
1024-byte keys, ``a`` beside ``a/b``, ``dir/`` markers, ``%2F``, unicode normal forms.

Each key must round-trip byte for byte, be listed exactly once under its own name, and never
touch anything outside its bucket. Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
("the name for a key is a sequence of Unicode characters whose UTF-8 encoding is at most 1,024 bytes
long"; ``.``/``..`` segments are allowed and are not path navigation). What happens *on disk* is the
traversal family's (``test_traversal``), which does not trust the S3 API.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import unquote

import pytest

from cargobay.testing.conformance_suite._expect import error_of, same_bytes
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("objects", "listing"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html"),
]

SPECIAL = "!-_.*'()&$@=;:+ ,?\\{}^%`[]\"<>~#|\t\x7f"

KEYS = {
    **{f"char-{ord(c):02x}": f"x{c}y" for c in SPECIAL},
    "dotdot-leading": "../x",
    "dotdot-middle": "a/../b",
    "dotdot-only": "..",
    "dot-only": ".",
    "dot-middle": "a/./b",
    "dotdot-trailing": "a/..",
    "empty-segment": "a//b",
    "leading-slash": "/a",
    "only-slash": "/",
    "double-slash": "//",
    "folder-marker": "dir/",
    "percent-2f": "a%2Fb",
    "percent-literal": "100%",
    "plus-and-space": "a+b c",
    "unicode": "caf\u00e9/\u4e2d\u6587/\U0001f600",
    "nfd": "cafe\u0301",
    "long-segment": "s" * 300,
    "key-1024-bytes": ("k/" * 600)[:1023] + "z",
    "key-1024-bytes-multibyte": "\u00e9" * 512,
    "trailing-space": "a ",
    "newline": "a\nb",
    "carriage-return": "a\rb",
    "xml-specials": "<a>&amp;'\"",
    "tilde": "~user/.config",
}


@pytest.mark.parametrize("key", list(KEYS.values()), ids=list(KEYS))
def test_key_round_trips_and_lists_exactly(s3: Any, bucket: str, key: str) -> None:
    """Keys only: no metadata is stored, so a metadata bug does not hide whether keys work."""
    body = key.encode("utf-8") + b"|body"
    put = s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object(Bucket=bucket, Key=key)
    same_bytes(got["Body"].read(), body)
    listing = full_listing(s3, bucket)
    assert listing.keys == (key,), f"key {key!r} listed as {listing.keys!r}"
    v1 = full_listing(s3, bucket, v2=False)
    assert v1.keys == (key,)
    assert s3.delete_object(Bucket=bucket, Key=key)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.get_object(Bucket=bucket, Key=key)) == (404, "NoSuchKey")
    assert full_listing(s3, bucket).keys == ()


def test_key_1024_bytes_is_the_limit(s3: Any, bucket: str) -> None:
    assert s3.put_object(Bucket=bucket, Key="a" * 1024, Body=b"x")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert error_of(lambda: s3.put_object(Bucket=bucket, Key="a" * 1025, Body=b"x")) == (400, "KeyTooLongError")
    assert full_listing(s3, bucket).keys == ("a" * 1024,)


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 6], ids=lambda n: f"up-{n}")
@pytest.mark.parametrize("shape", ["plain", "down-up", "dot-up"])
def test_put_object_key_with_dotdot_segment_stays_in_bucket(
    raw: RawS3, s3: Any, bucket: str, new_bucket_name: Any, depth: int, shape: str
) -> None:
    """The literal dot segments go on the wire (no client normalisation). AWS keeps them as part of
    the key; a server may also refuse such a key with a 4xx. Either way nothing may appear in, or be
    read from, a sibling bucket, and an accepted key is listed under its own name."""
    other = new_bucket_name("sibling")
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=other, Key="victim", Body=b"original")
    escape = {"plain": "../" * depth, "down-up": "a/" + "../" * (depth + 1), "dot-up": "./" + "../" * depth}[shape]
    key = f"{escape}{other}/victim"
    answer = raw.send(raw.sign_v4("PUT", f"/{bucket}/{key}", body=b"overwritten"))
    assert s3.get_object(Bucket=other, Key="victim")["Body"].read() == b"original", (
        "a '..' key escaped the bucket and overwrote another bucket's object"
    )
    assert full_listing(s3, other).keys == ("victim",), "a '..' key escaped the bucket"
    if 400 <= answer.status < 500:
        return  # refused: safe
    assert answer.status == 200, f"expected 200 (key kept) or a 4xx refusal, got {answer}"
    assert full_listing(s3, bucket).keys == (key,), "a '..' key escaped the bucket: not listed under its name"
    got = raw.send(raw.sign_v4("GET", f"/{bucket}/{key}"))
    assert (got.status, got.body) == (200, b"overwritten")


def test_key_percent_2f_is_not_aliased_to_slash(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a%2Fb", Body=b"percent")
    s3.put_object(Bucket=bucket, Key="a/b", Body=b"slash")
    assert s3.get_object(Bucket=bucket, Key="a%2Fb")["Body"].read() == b"percent", "a%2Fb aliased to a/b"
    assert s3.get_object(Bucket=bucket, Key="a/b")["Body"].read() == b"slash", "a%2Fb aliased to a/b"
    assert full_listing(s3, bucket).keys == ("a%2Fb", "a/b")


def test_raw_path_encoded_slash_is_one_key(raw: RawS3, s3: Any, bucket: str) -> None:
    """``%2F`` in the request path: the AWS pages do not say whether the key is ``x/y`` or a refusal,
    so both are accepted (a 4xx, or exactly one key ``x/y`` or ``x%2Fy``); what is never right is
    an object under another name, listed twice, or unreadable under the name it is listed as."""
    answer = raw.send(raw.sign_v4("PUT", f"/{bucket}/x%2Fy", body=b"1"))
    if 400 <= answer.status < 500:
        return
    assert answer.status == 200, f"expected 200 or a 4xx refusal, got {answer}"
    listed = full_listing(s3, bucket).keys
    assert listed in (("x/y",), ("x%2Fy",)), f"expected the one key x/y (or x%2Fy), listed {listed!r}"
    assert s3.get_object(Bucket=bucket, Key=listed[0])["Body"].read() == b"1"


def test_key_object_and_prefix_coexist(s3: Any, bucket: str) -> None:
    for key, body in [("a", b"file"), ("a/b", b"child"), ("a/b/c", b"grandchild"), ("dir/", b""), ("dir/x", b"in-dir")]:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    assert s3.get_object(Bucket=bucket, Key="a")["Body"].read() == b"file"
    assert s3.get_object(Bucket=bucket, Key="a/b")["Body"].read() == b"child"
    assert s3.get_object(Bucket=bucket, Key="a/b/c")["Body"].read() == b"grandchild"
    assert s3.get_object(Bucket=bucket, Key="dir/")["Body"].read() == b""
    assert full_listing(s3, bucket).keys == ("a", "a/b", "a/b/c", "dir/", "dir/x")
    rolled = full_listing(s3, bucket, delimiter="/")
    assert (rolled.keys, rolled.prefixes) == (("a",), ("a/", "dir/"))
    s3.delete_object(Bucket=bucket, Key="a/b")
    assert s3.get_object(Bucket=bucket, Key="a/b/c")["Body"].read() == b"grandchild"
    s3.delete_object(Bucket=bucket, Key="a")
    assert full_listing(s3, bucket).keys == ("a/b/c", "dir/", "dir/x")


def test_key_unicode_normal_forms_are_distinct(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="caf\u00e9", Body=b"nfc")
    s3.put_object(Bucket=bucket, Key="cafe\u0301", Body=b"nfd")
    assert s3.get_object(Bucket=bucket, Key="caf\u00e9")["Body"].read() == b"nfc"
    assert s3.get_object(Bucket=bucket, Key="cafe\u0301")["Body"].read() == b"nfd"
    assert sorted(full_listing(s3, bucket).keys) == sorted(["caf\u00e9", "cafe\u0301"])


def test_key_case_is_significant(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="Readme", Body=b"upper")
    s3.put_object(Bucket=bucket, Key="readme", Body=b"lower")
    assert s3.get_object(Bucket=bucket, Key="Readme")["Body"].read() == b"upper"
    assert s3.get_object(Bucket=bucket, Key="readme")["Body"].read() == b"lower"


def test_key_dotdot_in_copy_source_stays_in_bucket(s3: Any, bucket: str, new_bucket_name: Any) -> None:
    other = new_bucket_name("copyvictim")
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=other, Key="secret", Body=b"secret")
    assert error_of(
        lambda: s3.copy_object(Bucket=bucket, Key="stolen", CopySource={"Bucket": bucket, "Key": f"../{other}/secret"})
    ) == (404, "NoSuchKey")


def test_key_not_valid_utf8_in_path_is_400(raw: Any, bucket: str) -> None:
    # object-keys.html: a key is a sequence of Unicode characters whose UTF-8 encoding is at most
    # 1024 bytes; a path that does not decode as UTF-8 names no key. ErrorResponses.html:
    # InvalidURI, "Couldn't parse the specified URI", 400.
    for target in (f"/{bucket}/%FF%FE", f"/{bucket}/a%C3", f"/{bucket}/%ED%A0%80"):
        answer = raw.send(raw.sign_v4("GET", target))
        assert answer.status == 400, (target, answer)


def test_key_raw_bytes_not_utf8_in_path_is_400(raw: RawS3, bucket: str) -> None:
    # The same rule when the client sends the bytes unencoded in the request line.
    import socket

    for key in (b"\xff\xfe", b"a\xc3", b"\xed\xa0\x80"):
        line = b"GET /" + bucket.encode() + b"/" + key + b" HTTP/1.1\r\nHost: " + raw.host_header.encode()
        with socket.create_connection((raw.host, raw.port), timeout=10) as sock:
            sock.sendall(line + b"\r\nConnection: close\r\n\r\n")
            status = sock.recv(4096).split(b"\r\n", 1)[0]
        assert status.split(b" ")[1] == b"400", (key, status)


# -- keys XML 1.0 cannot carry ----------------------------------------------------------------------
# object-keys.html, "Object key naming guidelines": any UTF-8 character may be used in a key name;
# "ASCII character ranges 00-1F hex (0-31 decimal) and 7F (127 decimal)" are among the characters
# that "might require special handling". "XML related object key constraints": XML normalises
# end-of-line characters, so in XML a carriage return is written "&#13;" or "&#x0D;" and a line feed
# "&#10;" or "&#x0A;" (the example: DeleteObjects of "/some/prefix/objectwith\rcarriagereturn").
# API_ListObjectsV2.html, API_ListObjects.html, API_ListObjectVersions.html, EncodingType: "An object
# key can contain any Unicode character. However, the XML 1.0 parser can't parse certain characters,
# such as characters with an ASCII value from 0 to 10. For characters that aren't supported in XML
# 1.0, you can add this parameter to request that Amazon S3 encode the keys in the response"; with
# "url" the keys are "percent-encoded according to UTF-8 code values" in Key, Prefix, Delimiter and
# StartAfter (V2), Marker and NextMarker (V1), KeyMarker and NextKeyMarker (versions).

#: Characters XML 1.0 cannot carry at all (its Char production excludes C0 controls but TAB, LF, CR).
_NOT_XML = {"\x01", "\x08", "\x0b", "\x1c", "\x1f"}
CONTROL_KEYS = {
    "lf": "\n",
    "cr": "\r",
    "crlf": "\r\n",
    "soh-01": "\x01",
    "bs-08": "\x08",
    "vt-0b": "\x0b",
    "fs-1c": "\x1c",
    "us-1f": "\x1f",
    "del-7f": "\x7f",
    "nel-85": "\x85",
    "c1-after-latin1": "\u00ae\u008a",
    "line-separator": "\u2028",
}
_LISTS = {"v2": [("list-type", "2")], "v1": [], "versions": [("versions", "")]}


def _key_of(special: str) -> str:
    return f"ctl/a{special}b"


def _url_decoded(text: str | None) -> str | None:
    """A url-encoded listing value: printable ASCII only (what percent-encoding yields), decoded."""
    if text is None:
        return None
    assert text.isascii() and text.isprintable(), f"not percent-encoded: {text!r}"
    return unquote(text)


def _listed(answer: Any, element: str) -> list[str]:
    """The texts of every ``element`` in a listing, in document order."""
    root = ET.fromstring(answer.body)
    return [node.text or "" for node in root.iter() if node.tag.rsplit("}", 1)[-1] == element]


def _top(answer: Any, element: str) -> list[str]:
    """The texts of ``element`` directly under the document's root (not inside Contents/CommonPrefixes)."""
    root = ET.fromstring(answer.body)
    return [node.text or "" for node in root if node.tag.rsplit("}", 1)[-1] == element]


def _common_prefixes(answer: Any) -> list[str]:
    root = ET.fromstring(answer.body)
    return [node.text or "" for node in root.iterfind("{*}CommonPrefixes/{*}Prefix")]


@pytest.mark.parametrize("special", list(CONTROL_KEYS.values()), ids=list(CONTROL_KEYS))
def test_key_with_control_character_put_get_head_delete(s3: Any, bucket: str, special: str) -> None:
    key = _key_of(special)
    body = b"control|" + key.encode("utf-8")
    assert s3.put_object(Bucket=bucket, Key=key, Body=body)["ResponseMetadata"]["HTTPStatusCode"] == 200
    same_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read(), body)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert (head["ResponseMetadata"]["HTTPStatusCode"], head["ContentLength"]) == (200, len(body))
    assert full_listing(s3, bucket).keys == (key,)
    assert s3.delete_object(Bucket=bucket, Key=key)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key=key)) == (404, None)  # HEAD: no body, no code
    # ErrorResponses.html: NoSuchKey, 404. The code is asserted only where XML 1.0 can carry the key: AWS
    # writes a character it cannot carry as a reference (&#x3; in its InitiateMultipartUploadResult, as
    # reported against aws-sdk-go and botocore), which leaves the document unreadable to XML 1.0 parsers.
    missing = error_of(lambda: s3.get_object(Bucket=bucket, Key=key))
    assert missing == (404, "NoSuchKey") if not set(special) & _NOT_XML else missing[0] == 404, missing


@pytest.mark.parametrize("api", list(_LISTS), ids=list(_LISTS))
@pytest.mark.parametrize("special", list(CONTROL_KEYS.values()), ids=list(CONTROL_KEYS))
def test_list_key_with_control_character_url_encoded(raw: RawS3, s3: Any, bucket: str, special: str, api: str) -> None:
    key = _key_of(special)
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object(Bucket=bucket, Key="ctl/z", Body=b"x")
    prefix = f"ctl/a{special}"
    answer = raw.request("GET", "/" + bucket, [*_LISTS[api], ("encoding-type", "url"), ("prefix", prefix)])
    assert answer.status == 200, answer
    assert _top(answer, "EncodingType") == ["url"]
    assert [_url_decoded(k) for k in _listed(answer, "Key")] == [key]
    if api != "v1":
        # V1's own Prefix is left out: the ListObjects reference lists it among the encoded elements,
        # but botocore, which decodes exactly what S3 encodes, decodes it only for V2 and versions.
        assert [_url_decoded(p) for p in _top(answer, "Prefix")] == [prefix]
    # the control character as the delimiter: one common prefix, ending with it
    answer = raw.request(
        "GET", "/" + bucket, [*_LISTS[api], ("encoding-type", "url"), ("prefix", "ctl/"), ("delimiter", special)]
    )
    assert answer.status == 200, answer
    assert [_url_decoded(k) for k in _listed(answer, "Key")] == ["ctl/z"]
    assert [_url_decoded(d) for d in _top(answer, "Delimiter")] == [special]
    assert [_url_decoded(p) for p in _common_prefixes(answer)] == [prefix]


@pytest.mark.parametrize("api", list(_LISTS), ids=list(_LISTS))
@pytest.mark.parametrize("special", list(CONTROL_KEYS.values()), ids=list(CONTROL_KEYS))
def test_list_key_with_control_character_without_encoding_type(
    raw: RawS3, s3: Any, bucket: str, special: str, api: str
) -> None:
    """Unasked, keys are not URL-encoded. What XML 1.0 can carry comes back exactly (CR as a character
    reference, since a raw CR would be read as LF); a character it cannot carry is sent as itself or as
    a character reference (an XML 1.0 parser refuses both, which is why the reference offers
    encoding-type=url), never dropped, replaced or URL-encoded."""
    key = _key_of(special)
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = raw.request("GET", "/" + bucket, [*_LISTS[api], ("prefix", "ctl/")])
    assert answer.status == 200, answer
    if not set(special) & _NOT_XML:
        assert _listed(answer, "Key") == [key]
        assert _top(answer, "EncodingType") == []
        return
    (c,) = set(special) & _NOT_XML
    code = ord(c)
    forms = {c, f"&#{code};", f"&#x{code:x};", f"&#x{code:X};", f"&#x{code:02x};", f"&#x{code:02X};"}
    carried = [f"<Key>{key.replace(c, form)}</Key>".encode() for form in forms]
    assert any(form in answer.body for form in carried), answer.body
    assert b"<EncodingType>" not in answer.body


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
@pytest.mark.parametrize(
    ("written", "special"),
    [("&#13;", "\r"), ("&#x0D;", "\r"), ("&#10;", "\n"), ("&#x0A;", "\n")],
    ids=["cr-dec", "cr-hex", "lf-dec", "lf-hex"],
)
def test_delete_objects_key_written_as_entity_code(
    raw: RawS3, s3: Any, bucket: str, written: str, special: str
) -> None:
    """The object-keys.html example: DeleteObjects names "/some/prefix/objectwith\\rcarriagereturn" with
    "&#13;" in its Key; the response's Deleted/Key is that key (read back by an XML parser)."""
    key = f"/some/prefix/objectwith{special}carriagereturn"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    body = (
        f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object>'
        f"<Key>/some/prefix/objectwith{written}carriagereturn</Key></Object></Delete>"
    ).encode()
    answer = raw.request(
        "POST",
        "/" + bucket,
        [("delete", "")],
        body=body,
        headers={"content-md5": md5_b64(body), "content-type": "application/xml"},
    )
    assert answer.status == 200, answer
    assert _listed(answer, "Key") == [key]
    assert full_listing(s3, bucket).keys == ()


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html")
@pytest.mark.parametrize("special", ["\n", "\x01", "\x85"], ids=["lf", "soh-01", "nel-85"])
def test_list_multipart_uploads_key_with_control_character_url_encoded(raw: RawS3, bucket: str, special: str) -> None:
    """API_ListMultipartUploads.html, EncodingType: with url, Delimiter, KeyMarker, Prefix,
    NextKeyMarker and Key are encoded. (The upload is started raw: its InitiateMultipartUploadResult
    names the key, which XML 1.0 cannot carry for U+0001.)"""
    key = _key_of(special)
    started = raw.request("POST", key_path(bucket, key), [("uploads", "")])
    assert started.status == 200, started
    upload_id = started.body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
    try:
        answer = raw.request(
            "GET", "/" + bucket, [("uploads", ""), ("encoding-type", "url"), ("prefix", f"ctl/a{special}")]
        )
        assert answer.status == 200, answer
        assert _top(answer, "EncodingType") == ["url"]
        assert [_url_decoded(k) for k in _listed(answer, "Key")] == [key]
        assert [_url_decoded(p) for p in _top(answer, "Prefix")] == [f"ctl/a{special}"]
    finally:
        raw.request("DELETE", key_path(bucket, key), [("uploadId", upload_id)])
