"""DeleteObjects: per-key results, Quiet mode, the 1000-key limit, the required Content-MD5 (or
checksum) and its verification, XML-special keys."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from xml.sax.saxutils import escape

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused
from cargobay.testing.conformance_suite._http import RawS3, md5_b64
from cargobay.testing.normalize import full_listing

pytestmark = [
    pytest.mark.s3_requires("delete_objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html"),
]


def _body(keys: list[str], *, quiet: bool = False) -> bytes:
    objects = "".join(f"<Object><Key>{escape(k)}</Key></Object>" for k in keys)
    return (
        f'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{objects}'
        f"<Quiet>{'true' if quiet else 'false'}</Quiet></Delete>"
    ).encode()


def test_delete_objects_reports_each_key_deleted_even_missing(s3: Any, bucket: str) -> None:
    for key in ["a", "b"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    done = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "missing"}]})
    assert done["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sorted(d["Key"] for d in done["Deleted"]) == ["a", "b", "missing"]
    assert "Errors" not in done
    assert full_listing(s3, bucket).keys == ()


def test_delete_objects_quiet_reports_nothing(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    done = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}], "Quiet": True})
    assert "Deleted" not in done and "Errors" not in done
    assert full_listing(s3, bucket).keys == ()


def test_concurrent_delete_objects_each_report_their_own_keys(s3: Any, bucket: str) -> None:
    """Requests in flight at once are answered each for its own <Object> list: every key it named,
    and no other, as <Deleted> (those that do not exist too, and one another request names too);
    afterwards every named key is gone and the others stay."""
    mine = {n: [f"p{n}/k{i:02d}" for i in range(25)] for n in range(8)}
    for keys in mine.values():
        for key in keys:
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"k")

    def delete(n: int) -> tuple[list[str], list[Any]]:
        named = [*mine[n], f"p{n}/missing", "shared/missing"]
        done = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in named]})
        return sorted(d["Key"] for d in done.get("Deleted", [])), done.get("Errors", [])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(delete, range(8)))
    for n, (deleted, errors) in enumerate(answers):
        assert deleted == sorted([*mine[n], f"p{n}/missing", "shared/missing"])
        assert errors == []
    assert full_listing(s3, bucket).keys == ("keep",)


def test_delete_objects_1000_keys_is_the_limit(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k0", Body=b"x")
    body = _body([f"k{i}" for i in range(1000)], quiet=True)
    ok = raw.request("POST", "/" + bucket, [("delete", "")], headers={"content-md5": md5_b64(body)}, body=body)
    assert ok.status == 200, ok
    assert full_listing(s3, bucket).keys == ()


def test_delete_objects_1001_keys_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="k0", Body=b"x")
    body = _body([f"k{i}" for i in range(1001)])
    answer = raw.request("POST", "/" + bucket, [("delete", "")], headers={"content-md5": md5_b64(body)}, body=body)
    refused(answer, 400, "MalformedXML", accepted="DeleteObjects with 1001 keys accepted")
    assert full_listing(s3, bucket).keys == ("k0",), "DeleteObjects with 1001 keys deleted something"


def test_delete_objects_without_content_md5_is_400_invalid_request(raw: RawS3, s3: Any, bucket: str) -> None:
    """AWS: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for Multi-Object
    Delete requests"."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = _body(["a"])
    answer = raw.request("POST", "/" + bucket, [("delete", "")], body=body)
    refused(answer, 400, "InvalidRequest", accepted="DeleteObjects without Content-MD5 or a checksum accepted")
    assert full_listing(s3, bucket).keys == ("a",)


def test_delete_objects_wrong_content_md5_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = _body(["a"])
    answer = raw.request("POST", "/" + bucket, [("delete", "")], headers={"content-md5": md5_b64(b"other")}, body=body)
    refused(answer, 400, "BadDigest", accepted="DeleteObjects with a wrong Content-MD5 accepted")
    assert full_listing(s3, bucket).keys == ("a",)


def test_delete_objects_empty_list_is_400_malformed_xml(raw: RawS3, bucket: str) -> None:
    body = _body([])
    answer = raw.request("POST", "/" + bucket, [("delete", "")], headers={"content-md5": md5_b64(body)}, body=body)
    refused(answer, 400, "MalformedXML", accepted="DeleteObjects with an empty list accepted")


def test_delete_objects_xml_special_keys(s3: Any, bucket: str) -> None:
    keys = ["<a>", "b&c", "d'e\"f", "g h/../i", "\u00e9/\u4e2d"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object(Bucket=bucket, Key="survivor", Body=b"x")
    done = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in done["Deleted"]) == sorted(keys)
    assert full_listing(s3, bucket).keys == ("survivor",)


def test_delete_objects_missing_bucket_is_404_no_such_bucket(s3: Any, new_bucket_name: Any) -> None:
    assert error_of(lambda: s3.delete_objects(Bucket=new_bucket_name("nb"), Delete={"Objects": [{"Key": "a"}]})) == (
        404,
        "NoSuchBucket",
    )


@pytest.mark.s3_requires("conditional")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html")
def test_delete_objects_etag_entries_are_conditional(s3: Any, bucket: str) -> None:
    """conditional-deletes.html: DeleteObjects takes "the ETag value in the ETag element of the object"
    (API_ObjectIdentifier.html: it "makes the request method conditional on ETags"); an entry whose ETag
    is not the object's is an <Error> with Code PreconditionFailed and the object stays, the other
    entries (with a matching ETag, or none) are deleted."""
    etags = {key: s3.put_object(Bucket=bucket, Key=key, Body=key.encode())["ETag"] for key in ("a", "b", "c")}
    done = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": "a", "ETag": etags["b"]}, {"Key": "b", "ETag": etags["b"]}, {"Key": "c"}]},
    )
    assert [(e["Key"], e["Code"]) for e in done.get("Errors", [])] == [("a", "PreconditionFailed")]
    assert sorted(d["Key"] for d in done["Deleted"]) == ["b", "c"]
    assert full_listing(s3, bucket).keys == ("a",)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ObjectIdentifier.html")
@pytest.mark.parametrize(
    "entry",
    ["<Key>a</Key><Key>b</Key>", "<Key>a</Key><VersionId>null</VersionId><VersionId>null</VersionId>"],
    ids=["two-keys", "two-version-ids"],
)
def test_delete_objects_entry_with_two_keys_or_version_ids_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, entry: str
) -> None:
    """API_ObjectIdentifier.html: an Object names one Key (required) and at most one VersionId; two
    of either do not validate against the schema (400 MalformedXML) and nothing is deleted. Taking
    the first silently would delete a key the client may not have meant."""
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    body = f"<Delete><Object>{entry}</Object></Delete>".encode()
    answer = raw.request("POST", "/" + bucket, [("delete", "")], headers={"content-md5": md5_b64(body)}, body=body)
    refused(answer, 400, "MalformedXML", accepted="an Object with two Keys or VersionIds accepted")
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])) == ["a", "b"]
