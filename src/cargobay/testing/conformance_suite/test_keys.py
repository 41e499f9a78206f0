"""Object keys users actually hit: every special character, ``..``/``.``/empty segments,
1024-byte keys, ``a`` beside ``a/b``, ``dir/`` markers, ``%2F``, unicode normal forms.

Each key must round-trip byte for byte, be listed exactly once under its own name, and never
touch anything outside its bucket. Source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
("the name for a key is a sequence of Unicode characters whose UTF-8 encoding is at most 1,024 bytes
long"; ``.``/``..`` segments are allowed and are not path navigation). What happens *on disk* is the
traversal family's (``test_traversal``), which does not trust the S3 API.
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, same_bytes
from cargobay.testing.conformance_suite._http import RawS3
from cargobay.testing.normalize import full_listing

pytestmark = [pytest.mark.s3_requires("objects", "listing"),
              pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html")]

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
def test_put_object_key_with_dotdot_segment_stays_in_bucket(raw: RawS3, s3: Any, bucket: str,
                                                             new_bucket_name: Any, depth: int, shape: str) -> None:
    """The literal dot segments go on the wire (no client normalisation). AWS keeps them as part of
    the key; a server may also refuse such a key with a 4xx. Either way nothing may appear in, or be
    read from, a sibling bucket, and an accepted key is listed under its own name."""
    other = new_bucket_name("sibling")
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=other, Key="victim", Body=b"original")
    escape = {"plain": "../" * depth, "down-up": "a/" + "../" * (depth + 1), "dot-up": "./" + "../" * depth}[shape]
    key = f"{escape}{other}/victim"
    answer = raw.send(raw.sign_v4("PUT", f"/{bucket}/{key}", body=b"overwritten"))
    assert s3.get_object(Bucket=other, Key="victim")["Body"].read() == b"original", \
        "a '..' key escaped the bucket and overwrote another bucket's object"
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
    for key, body in [("a", b"file"), ("a/b", b"child"), ("a/b/c", b"grandchild"), ("dir/", b""),
                      ("dir/x", b"in-dir")]:
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
    assert error_of(lambda: s3.copy_object(Bucket=bucket, Key="stolen",
                                           CopySource={"Bucket": bucket, "Key": f"../{other}/secret"})) == (
        404, "NoSuchKey")


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
