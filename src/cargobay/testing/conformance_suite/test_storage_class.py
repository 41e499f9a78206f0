"""Storage classes: the class a write names is kept and reported wherever AWS reports it.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html (x-amz-storage-class),
https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html ("Amazon S3 returns this header
for all objects except for S3 Standard storage class objects"), the listings' StorageClass
(API_ListObjectsV2.html, API_ListObjects.html, API_ListObjectVersions.html, API_ListParts.html,
API_ListMultipartUploads.html), API_GetObjectAttributes.html and API_CopyObject.html (a copy without
x-amz-storage-class is STANDARD). The classes used here are served at once by AWS (no restore).
"""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import header

pytestmark = [
    pytest.mark.s3_requires("objects"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html"),
]


def _class_of(s3: Any, bucket: str, key: str) -> tuple[str | None, str | None]:
    """x-amz-storage-class of HEAD and of GET (None: not sent, as for STANDARD)."""
    head = s3.head_object(Bucket=bucket, Key=key)
    got = s3.get_object(Bucket=bucket, Key=key)
    got["Body"].read()
    return header(head, "x-amz-storage-class"), header(got, "x-amz-storage-class")


def test_put_object_storage_class_is_returned_on_head_and_get(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="named-standard", Body=b"x", StorageClass="STANDARD")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert _class_of(s3, bucket, "ia") == ("STANDARD_IA", "STANDARD_IA")
    assert _class_of(s3, bucket, "named-standard") == (None, None)
    assert _class_of(s3, bucket, "plain") == (None, None)
    # Overwriting without a class makes the object STANDARD again.
    s3.put_object(Bucket=bucket, Key="ia", Body=b"y")
    assert _class_of(s3, bucket, "ia") == (None, None)


@pytest.mark.s3_requires("listing")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html")
def test_list_objects_give_each_objects_storage_class(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a", Body=b"x", StorageClass="ONEZONE_IA")
    s3.put_object(Bucket=bucket, Key="b", Body=b"x")
    s3.put_object(Bucket=bucket, Key="c", Body=b"x", StorageClass="REDUCED_REDUNDANCY")
    expected = {"a": "ONEZONE_IA", "b": "STANDARD", "c": "REDUCED_REDUNDANCY"}
    v2 = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert {e["Key"]: e["StorageClass"] for e in v2} == expected
    v1 = s3.list_objects(Bucket=bucket)["Contents"]
    assert {e["Key"]: e["StorageClass"] for e in v1} == expected
    owned = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"]
    assert {e["Key"]: e["StorageClass"] for e in owned} == expected


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html")
def test_multipart_upload_storage_class_is_listed_and_kept(s3: Any, bucket: str) -> None:
    """ListParts and ListMultipartUploads give the upload's class; the completed object has it."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", StorageClass="INTELLIGENT_TIERING")["UploadId"]
    plain = s3.create_multipart_upload(Bucket=bucket, Key="other")["UploadId"]
    try:
        part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"part")
        assert s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["StorageClass"] == "INTELLIGENT_TIERING"
        assert s3.list_parts(Bucket=bucket, Key="other", UploadId=plain)["StorageClass"] == "STANDARD"
        uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
        assert {u["Key"]: u["StorageClass"] for u in uploads} == {"mp": "INTELLIGENT_TIERING", "other": "STANDARD"}
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="mp",
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
    finally:
        s3.abort_multipart_upload(Bucket=bucket, Key="other", UploadId=plain)
    assert _class_of(s3, bucket, "mp") == ("INTELLIGENT_TIERING", "INTELLIGENT_TIERING")


@pytest.mark.s3_requires("copy")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html")
def test_copy_object_takes_the_requested_storage_class_or_standard(s3: Any, bucket: str) -> None:
    """API_CopyObject.html, x-amz-storage-class: "If the x-amz-storage-class header is not used, the
    copied object will be stored in the STANDARD Storage Class by default" - whatever the source's;
    a copy onto itself naming a class changes the object's class (its bytes and metadata stay)."""
    s3.put_object(Bucket=bucket, Key="src", Body=b"hello", Metadata={"a": "1"}, StorageClass="STANDARD_IA")
    source = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="plain", CopySource=source)
    assert _class_of(s3, bucket, "plain") == (None, None)
    s3.copy_object(Bucket=bucket, Key="onezone", CopySource=source, StorageClass="ONEZONE_IA")
    assert _class_of(s3, bucket, "onezone") == ("ONEZONE_IA", "ONEZONE_IA")
    s3.copy_object(
        Bucket=bucket,
        Key="replaced",
        CopySource=source,
        MetadataDirective="REPLACE",
        Metadata={"b": "2"},
        StorageClass="GLACIER_IR",
    )
    assert _class_of(s3, bucket, "replaced") == ("GLACIER_IR", "GLACIER_IR")
    s3.copy_object(Bucket=bucket, Key="src", CopySource=source, StorageClass="STANDARD")
    assert _class_of(s3, bucket, "src") == (None, None)
    head = s3.head_object(Bucket=bucket, Key="src")
    assert (head["ContentLength"], head["Metadata"]) == (5, {"a": "1"})


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html")
def test_post_object_storage_class_field_is_kept(s3_endpoint: Any, s3: Any, bucket: str) -> None:
    """RESTObjectPOST.html: x-amz-storage-class is a form field, as the header of PutObject."""
    from cargobay.testing.conformance_suite._forms import form_post, signed_fields

    url = str(s3_endpoint.endpoint.url)
    if url.startswith("https"):
        pytest.skip("capability: the form helper speaks plain HTTP")
    fields = signed_fields(
        s3, bucket, "posted", {"x-amz-storage-class": "STANDARD_IA"}, [{"x-amz-storage-class": "STANDARD_IA"}]
    )
    status, body = form_post(url, bucket, fields, b"posted")
    assert status == 204, (status, body[:300])
    assert _class_of(s3, bucket, "posted") == ("STANDARD_IA", "STANDARD_IA")


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_object_versions_give_each_versions_storage_class(s3: Any, versioned_bucket: str) -> None:
    bucket = versioned_bucket
    old = s3.put_object(Bucket=bucket, Key="k", Body=b"1", StorageClass="STANDARD_IA")["VersionId"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"2")["VersionId"]
    s3.put_object(Bucket=bucket, Key="m", Body=b"3", StorageClass="ONEZONE_IA")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    got = {(v["Key"], v["VersionId"] if v["Key"] == "k" else "-"): v["StorageClass"] for v in versions}
    assert got == {("k", old): "STANDARD_IA", ("k", new): "STANDARD", ("m", "-"): "ONEZONE_IA"}
    head = s3.head_object(Bucket=bucket, Key="k", VersionId=old)
    assert header(head, "x-amz-storage-class") == "STANDARD_IA"
    # Deleting the newest version makes the older one current again, with its class.
    s3.delete_object(Bucket=bucket, Key="k", VersionId=new)
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert {e["Key"]: e["StorageClass"] for e in listed} == {"k": "STANDARD_IA", "m": "ONEZONE_IA"}
    assert header(s3.head_object(Bucket=bucket, Key="k"), "x-amz-storage-class") == "STANDARD_IA"


@pytest.mark.s3_requires("attributes")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html")
def test_object_attributes_give_the_storage_class(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="ia", Body=b"x", StorageClass="STANDARD_IA")
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    for key, expected in (("ia", "STANDARD_IA"), ("plain", "STANDARD")):
        got = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["StorageClass"])
        assert got["StorageClass"] == expected, key
