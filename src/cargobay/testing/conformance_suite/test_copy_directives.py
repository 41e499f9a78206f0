"""CopyObject: the metadata and tagging directives (valid and invalid values, what each carries
over), the content headers a COPY keeps and a REPLACE drops, the forms of x-amz-copy-source
(URL-encoded key, versionId, malformed) and a copy from a version that does not exist.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3, key_path

pytestmark = [
    pytest.mark.s3_requires("copy"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html"),
]

CONTENT = {
    "ContentType": "text/x-source",
    "CacheControl": "max-age=60",
    "ContentDisposition": "inline; filename=s.txt",
    "ContentEncoding": "identity",
    "ContentLanguage": "en",
}


def _content(head: dict[str, Any]) -> dict[str, str | None]:
    return {name: head.get(name) for name in CONTENT}


def _tags(s3: Any, bucket: str, key: str) -> list[tuple[str, str]]:
    return sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])


@pytest.fixture
def src(s3: Any, bucket: str) -> str:
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello", Metadata={"a": "1"}, Tagging="t=1", **CONTENT)
    return bucket


@pytest.mark.parametrize(
    "directive",
    ["BOGUS", "", "COPY REPLACE", "copy", "replace", "Replace"],
    ids=["unknown", "empty", "both", "lower-copy", "lower-replace", "mixed-case"],
)
@pytest.mark.parametrize("name", ["x-amz-metadata-directive", "x-amz-tagging-directive"])
def test_copy_object_unknown_directive_is_400_invalid_argument(
    raw: RawS3, s3: Any, src: str, name: str, directive: str
) -> None:
    """x-amz-metadata-directive and x-amz-tagging-directive: "Valid Values: COPY | REPLACE". Any other
    value is refused (AWS: 400 InvalidArgument "Unknown metadata directive."); nothing is copied.
    The values are case-sensitive: S3 answers ``--metadata-directive copy`` with that same 400
    (observed against s3.amazonaws.com, Seagate/cortx-s3server#587)."""
    headers = {"x-amz-copy-source": f"/{src}/src", name: directive}
    answer = raw.request("PUT", key_path(src, "dst"), headers=headers)
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    assert error_of(lambda: s3.head_object(Bucket=src, Key="dst")) == (404, None)


@pytest.mark.s3_requires("metadata")
def test_copy_object_copy_directive_keeps_content_headers_and_ignores_the_requests(s3: Any, src: str) -> None:
    """x-amz-metadata-directive COPY (the default): "the metadata is copied from the source object";
    Content-Type, Cache-Control, Content-Disposition, Content-Encoding and Content-Language are
    object metadata, and the request's own metadata headers are ignored."""
    s3.copy_object(
        Bucket=src,
        Key="dst",
        CopySource={"Bucket": src, "Key": "src"},
        Metadata={"ignored": "yes"},
        ContentType="text/x-ignored",
        CacheControl="no-store",
    )
    head = s3.head_object(Bucket=src, Key="dst")
    assert (_content(head), head["Metadata"]) == (CONTENT, {"a": "1"})


@pytest.mark.s3_requires("metadata")
def test_copy_object_replace_directive_drops_what_the_request_does_not_set(s3: Any, src: str) -> None:
    """x-amz-metadata-directive REPLACE: the metadata "is replaced with metadata that's provided in the
    request": nothing of the source's is kept; Content-Type not given is the default
    binary/octet-stream, as on a PUT without one."""
    s3.copy_object(
        Bucket=src,
        Key="dst",
        CopySource={"Bucket": src, "Key": "src"},
        MetadataDirective="REPLACE",
        ContentLanguage="fr",
    )
    head = s3.head_object(Bucket=src, Key="dst")
    assert head["Metadata"] == {}
    assert _content(head) == {
        "ContentType": "binary/octet-stream",
        "CacheControl": None,
        "ContentDisposition": None,
        "ContentEncoding": None,
        "ContentLanguage": "fr",
    }


@pytest.mark.s3_requires("tagging")
@pytest.mark.parametrize(
    ("directive", "tagging", "expected"),
    [
        (None, "x=2", [("t", "1")]),
        ("COPY", "x=2", [("t", "1")]),
        ("REPLACE", "x=2&y=3", [("x", "2"), ("y", "3")]),
        ("REPLACE", None, []),
    ],
    ids=["default-ignores-tagging", "copy-ignores-tagging", "replace", "replace-with-none"],
)
def test_copy_object_tagging_directive(
    s3: Any, src: str, directive: str | None, tagging: str | None, expected: list[tuple[str, str]]
) -> None:
    """x-amz-tagging-directive: "Specifies whether the object tag-set is copied from the source object
    or replaced with the tag-set that's provided in the request"; COPY is the default, and under it
    x-amz-tagging is not used. REPLACE without x-amz-tagging leaves the copy without tags."""
    extra: dict[str, str] = {}
    if directive is not None:
        extra["TaggingDirective"] = directive
    if tagging is not None:
        extra["Tagging"] = tagging
    s3.copy_object(Bucket=src, Key="dst", CopySource={"Bucket": src, "Key": "src"}, **extra)
    assert _tags(s3, src, "dst") == expected
    assert _tags(s3, src, "src") == [("t", "1")], "the copy changed the source's tags"
    count = header(s3.get_object(Bucket=src, Key="dst"), "x-amz-tagging-count")
    assert count == (str(len(expected)) if expected else None)


def test_copy_object_to_itself_with_metadata_under_copy_is_400_invalid_request(s3: Any, src: str) -> None:
    """Under COPY the request's metadata headers are not used, so a copy onto itself with them changes
    nothing: 400 InvalidRequest "This copy request is illegal because it is trying to copy an
    object to itself without changing the object's metadata, storage class, website redirect
    location or encryption attributes." The object is unchanged."""
    source = {"Bucket": src, "Key": "src"}
    assert error_of(lambda: s3.copy_object(Bucket=src, Key="src", CopySource=source, Metadata={"b": "2"})) == (
        400,
        "InvalidRequest",
    )
    assert s3.head_object(Bucket=src, Key="src")["Metadata"] == {"a": "1"}


@pytest.mark.parametrize(
    "value", ["{bucket}", "/{bucket}", "/{bucket}/", "/"], ids=["bucket", "slash-bucket", "no-key", "slash"]
)
def test_copy_object_copy_source_without_a_key_is_400_invalid_argument(
    raw: RawS3, s3: Any, src: str, value: str
) -> None:
    """x-amz-copy-source names "the source bucket and the key of the source object, separated by a
    slash (/)"; without a key AWS answers 400 InvalidArgument "Copy Source must mention the source
    bucket and key: sourcebucket/sourcekey"."""
    answer = raw.request("PUT", key_path(src, "dst"), headers={"x-amz-copy-source": value.format(bucket=src)})
    assert (answer.status, answer.code) == (400, "InvalidArgument"), answer
    assert error_of(lambda: s3.head_object(Bucket=src, Key="dst")) == (404, None)


def test_copy_object_url_encoded_source_key(raw: RawS3, s3: Any, bucket: str) -> None:
    """x-amz-copy-source: "The value must be URL-encoded". With and without the leading slash; an
    escaped ``?versionId=`` belongs to the key."""
    key = "dir/a b+c?versionId=1 \u00e9"
    s3.put_object(Bucket=bucket, Key=key, Body=b"special source")
    encoded = "dir/a%20b%2Bc%3FversionId%3D1%20%C3%A9"
    for n, value in enumerate([f"/{bucket}/{encoded}", f"{bucket}/{encoded}"]):
        answer = raw.request("PUT", key_path(bucket, f"dst{n}"), headers={"x-amz-copy-source": value})
        assert answer.status == 200, (value, answer)
        assert s3.get_object(Bucket=bucket, Key=f"dst{n}")["Body"].read() == b"special source"


@pytest.mark.s3_requires("versioning")
def test_copy_object_missing_source_version_is_404_no_such_version(s3: Any, versioned_bucket: str) -> None:
    """A source ?versionId= naming no version (one deleted by its id) is 404 NoSuchVersion ("The
    specified version does not exist", ErrorResponses.html); a version id of a form the store never
    gives is 400 InvalidArgument ("Invalid version id specified") or, where any string can be an
    id, 404 NoSuchVersion. Nothing is copied."""
    gone = s3.put_object(Bucket=versioned_bucket, Key="src", Body=b"old")["VersionId"]
    s3.put_object(Bucket=versioned_bucket, Key="src", Body=b"new")
    s3.delete_object(Bucket=versioned_bucket, Key="src", VersionId=gone)
    source = {"Bucket": versioned_bucket, "Key": "src", "VersionId": gone}
    assert error_of(lambda: s3.copy_object(Bucket=versioned_bucket, Key="dst", CopySource=source)) == (
        404,
        "NoSuchVersion",
    )
    bogus = {"Bucket": versioned_bucket, "Key": "src", "VersionId": "not a version id"}
    assert error_of(lambda: s3.copy_object(Bucket=versioned_bucket, Key="dst", CopySource=bogus)) in (
        (400, "InvalidArgument"),
        (404, "NoSuchVersion"),
    )
    assert error_of(lambda: s3.head_object(Bucket=versioned_bucket, Key="dst")) == (404, None)


@pytest.mark.s3_requires("versioning")
def test_copy_object_old_version_onto_its_own_key_restores_it(s3: Any, versioned_bucket: str) -> None:
    """Copying an old version onto its own key is how a version is restored (UsingVersioning,
    RestoringPreviousVersions.html): allowed without REPLACE, the copy is a new current version, and
    the response names both versions (x-amz-copy-source-version-id, x-amz-version-id)."""
    old = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"old")["VersionId"]
    newer = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"new")["VersionId"]
    done = s3.copy_object(
        Bucket=versioned_bucket, Key="k", CopySource={"Bucket": versioned_bucket, "Key": "k", "VersionId": old}
    )
    assert header(done, "x-amz-copy-source-version-id") == old
    restored = header(done, "x-amz-version-id")
    assert restored and restored not in (old, newer, "null")
    got = s3.get_object(Bucket=versioned_bucket, Key="k")
    assert (got["Body"].read(), got["VersionId"]) == (b"old", restored)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html")
@pytest.mark.parametrize("header_name", ["ExpectedSourceBucketOwner", "ExpectedBucketOwner"])
def test_copy_object_expected_owner_of_source_or_destination_bucket(s3: Any, src: str, header_name: str) -> None:
    """API_CopyObject.html, x-amz-source-expected-bucket-owner / x-amz-expected-bucket-owner: "If the
    account ID that you provide does not match the actual owner of the source (destination) bucket,
    the request fails with the HTTP status code 403 Forbidden (access denied)". Nothing is copied;
    the owner's own id lets the copy through."""
    me = str(s3.list_buckets()["Owner"]["ID"])
    other = "1" * 64 if me != "1" * 64 else "2" * 64
    source = {"Bucket": src, "Key": "src"}
    assert error_of(lambda: s3.copy_object(Bucket=src, Key="dst", CopySource=source, **{header_name: other})) == (
        403,
        "AccessDenied",
    )
    assert error_of(lambda: s3.head_object(Bucket=src, Key="dst")) == (404, None)
    s3.copy_object(Bucket=src, Key="dst", CopySource=source, **{header_name: me})
    assert s3.get_object(Bucket=src, Key="dst")["Body"].read() == b"hello"
