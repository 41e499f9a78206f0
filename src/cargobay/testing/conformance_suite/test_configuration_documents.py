"""Configuration documents a client PUTs (CORS, versioning, ownership controls, Block Public
Access) and the CompleteMultipartUpload body: an element their schema allows once, given twice.

ErrorResponses.html, MalformedXML: "The XML you provided was not well-formed or did not validate
against our published schema". A repeated element does not validate; reading its first occurrence
instead would apply a document the client did not send (a versioning Status "Suspended" then
"Enabled", a part numbered 2 then 1). Each refusal leaves the setting the bucket had.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, refused, refuses_a_wrong_digest
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.conformance_suite._multipart import upload_parts

pytestmark = [pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html")]

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"


def _put(raw: RawS3, bucket: str, subresource: str, body: bytes) -> Any:
    return raw.request("PUT", "/" + bucket, [(subresource, "")], headers={"content-md5": md5_b64(body)}, body=body)


# -- CORS ----------------------------------------------------------------------------------------

_CORS_KEPT = {"CORSRules": [{"ID": "kept", "AllowedOrigins": ["https://kept.example"], "AllowedMethods": ["GET"]}]}
_TAG = b"<Tag><Key>k</Key><Value>v</Value></Tag>"
_ORIGIN_GET = b"<AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"


@pytest.mark.s3_requires("cors")
@pytest.mark.aws_doc(_API + "API_CORSRule.html")
@pytest.mark.parametrize(
    "rule",
    [
        b"<ID>a</ID><ID>b</ID>" + _ORIGIN_GET,
        _ORIGIN_GET + b"<MaxAgeSeconds>1</MaxAgeSeconds><MaxAgeSeconds>3000</MaxAgeSeconds>",
    ],
    ids=["two-ids", "two-max-ages"],
)
def test_cors_rule_with_two_ids_or_max_ages_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str, rule: bytes) -> None:
    """API_CORSRule.html: a CORSRule has at most one ID and one MaxAgeSeconds (AllowedOrigin,
    AllowedMethod, AllowedHeader and ExposeHeader are the repeatable ones). Two do not validate:
    400 MalformedXML, and the bucket keeps its rules."""
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=_CORS_KEPT)
    answer = _put(raw, bucket, "cors", b"<CORSConfiguration><CORSRule>" + rule + b"</CORSRule></CORSConfiguration>")
    refused(answer, 400, "MalformedXML", accepted="a CORS rule repeating ID or MaxAgeSeconds accepted")
    assert [r.get("ID") for r in s3.get_bucket_cors(Bucket=bucket)["CORSRules"]] == ["kept"]


@pytest.mark.s3_requires("cors")
@pytest.mark.aws_doc(_API + "API_PutBucketCors.html")
def test_cors_document_over_64_kb_is_400(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PutBucketCors.html: "The document is limited to 64 KB in size". One byte more is refused
    (400; the page names no code) and nothing is stored; a document of exactly 64 KiB is taken."""

    def document(size: int) -> bytes:
        head, tail = b"<CORSConfiguration><CORSRule><AllowedOrigin>https://", b".example</AllowedOrigin>"
        rest = b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
        return head + b"a" * (size - len(head) - len(tail) - len(rest)) + tail + rest

    answer = _put(raw, bucket, "cors", document(64 * 1024 + 1))
    assert answer.status == 400, answer
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket)) == (404, "NoSuchCORSConfiguration")
    assert _put(raw, bucket, "cors", document(64 * 1024)).status == 200


# -- versioning ----------------------------------------------------------------------------------


@pytest.mark.s3_requires("versioning")
@pytest.mark.aws_doc(_API + "API_VersioningConfiguration.html")
@pytest.mark.parametrize(
    "inner",
    [
        b"<Status>Enabled</Status><Status>Enabled</Status>",
        b"<Status>Suspended</Status><Status>Enabled</Status>",
        b"<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete><MfaDelete>Disabled</MfaDelete>",
    ],
    ids=["two-equal-statuses", "two-statuses", "two-mfa-deletes"],
)
def test_versioning_configuration_with_a_repeated_element_is_400(
    raw: RawS3, s3: Any, bucket: str, inner: bytes
) -> None:
    """API_VersioningConfiguration.html: one Status, at most one MfaDelete. A document repeating one
    does not validate: 400 (MalformedXML for the schema; IllegalVersioningConfigurationException is
    the other answer ErrorResponses.html names for a versioning document it cannot take), and the
    bucket stays unversioned."""
    body = b"<VersioningConfiguration>" + inner + b"</VersioningConfiguration>"
    answer = _put(raw, bucket, "versioning", body)
    assert (answer.status, answer.code in ("MalformedXML", "IllegalVersioningConfigurationException")) == (
        400,
        True,
    ), answer
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)


# -- ownership controls and Block Public Access ----------------------------------------------


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_API + "API_OwnershipControlsRule.html")
@pytest.mark.parametrize(
    "rules",
    [
        b"<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership>"
        b"<ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule>",
        b"<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>"
        b"<Rule><ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule>",
    ],
    ids=["two-settings", "two-rules"],
)
def test_ownership_controls_with_two_settings_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, rules: bytes
) -> None:
    """API_OwnershipControls.html / API_OwnershipControlsRule.html: the controls hold one Rule with
    one ObjectOwnership (Required: Yes). Two do not validate: 400 MalformedXML, setting kept."""
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    answer = _put(raw, bucket, "ownershipControls", b"<OwnershipControls>" + rules + b"</OwnershipControls>")
    refused(answer, 400, "MalformedXML", accepted="ownership controls naming two settings accepted")
    got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert got == [{"ObjectOwnership": "BucketOwnerEnforced"}]


@pytest.mark.s3_requires("acl")
@pytest.mark.aws_doc(_API + "API_PublicAccessBlockConfiguration.html")
def test_public_access_block_with_a_repeated_switch_is_400_malformed_xml(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_PublicAccessBlockConfiguration.html: each of the four switches at most once. Two
    BlockPublicAcls (false, then true) do not validate: 400 MalformedXML, the old block stays."""
    kept = {
        "BlockPublicAcls": False,
        "IgnorePublicAcls": False,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=kept)
    body = (
        b"<PublicAccessBlockConfiguration><BlockPublicAcls>false</BlockPublicAcls>"
        b"<BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>"
    )
    answer = _put(raw, bucket, "publicAccessBlock", body)
    refused(answer, 400, "MalformedXML", accepted="a public access block repeating a switch accepted")
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == kept


# -- CompleteMultipartUpload -----------------------------------------------------------------


@pytest.mark.s3_requires("multipart")
@pytest.mark.aws_doc(_API + "API_CompletedPart.html")
@pytest.mark.parametrize(
    "part",
    [
        "<PartNumber>2</PartNumber><PartNumber>1</PartNumber><ETag>{two}</ETag>",
        "<PartNumber>2</PartNumber><ETag>{two}</ETag><ETag>{one}</ETag>",
    ],
    ids=["two-part-numbers", "two-etags"],
)
def test_complete_part_with_two_numbers_or_etags_is_400_malformed_xml(
    raw: RawS3, s3: Any, bucket: str, part: str
) -> None:
    """API_CompletedPart.html: a Part names one PartNumber and one ETag. A Part naming two of either
    does not validate: 400 MalformedXML; nothing is written and the upload is still there to
    complete. Taking the first would assemble an object of parts the client may not have meant."""
    upload, sent = upload_parts(s3, bucket, "mp", {1: b"one", 2: b"two"})
    filled = part.format(one=sent[1]["ETag"], two=sent[2]["ETag"])
    body = f"<CompleteMultipartUpload><Part>{filled}</Part></CompleteMultipartUpload>".encode()
    answer = raw.request("POST", key_path(bucket, "mp"), [("uploadId", upload)], body=body)
    refused(answer, 400, "MalformedXML", accepted="a completed Part naming two numbers or ETags accepted")
    assert error_of(lambda: s3.head_object(Bucket=bucket, Key="mp")) == (404, None), "a refused completion wrote"
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload).get("Parts", [])
    assert [p["PartNumber"] for p in parts] == [1, 2]


# -- a checksum header standing in for Content-MD5 -------------------------------------------------


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


_DOCUMENTS = {
    "lifecycle": (
        "lifecycle",
        b"<LifecycleConfiguration><Rule><ID>r</ID><Filter></Filter><Status>Enabled</Status>"
        b"<Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>",
    ),
    "cors": ("cors", b"<CORSConfiguration><CORSRule>" + _ORIGIN_GET + b"</CORSRule></CORSConfiguration>"),
    "bucket-tagging": ("tagging", b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>"),
    "versioning": ("versioning", b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"),
    "public-access-block": (
        "publicAccessBlock",
        b"<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>",
    ),
    "ownership-controls": (
        "ownershipControls",
        b"<OwnershipControls><Rule><ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule></OwnershipControls>",
    ),
}


# The capability each subresource's test needs of an endpoint (pytest_plugin's s3_requires).
_NEEDS = {
    "lifecycle": "lifecycle",
    "cors": "cors",
    "tagging": "bucket_tagging",
    "versioning": "versioning",
    "publicAccessBlock": "acl",
    "ownershipControls": "acl",
    "requestPayment": "buckets",
}


def _params(table: dict[str, tuple[str, bytes]]) -> list[Any]:
    return [
        pytest.param(sub, body, id=name, marks=pytest.mark.s3_requires(_NEEDS[sub]))
        for name, (sub, body) in table.items()
    ]


def _unchanged(raw: RawS3, bucket: str, subresource: str) -> None:
    got = raw.request("GET", "/" + bucket, [(subresource, "")])
    if subresource == "versioning":
        assert got.status == 200 and b"<Status>" not in got.body, got
    elif subresource == "requestPayment":
        assert got.status == 200 and b"<Payer>BucketOwner</Payer>" in got.body, got
    else:
        assert got.status == 404, got  # nothing was configured


@pytest.mark.s3_requires("checksums")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html")
@pytest.mark.parametrize(("subresource", "body"), _params(_DOCUMENTS))
@pytest.mark.parametrize(
    ("header", "digest"),
    [("x-amz-checksum-crc32", _crc32), ("x-amz-checksum-sha256", _sha256)],
    ids=["crc32", "sha256"],
)
def test_configuration_put_with_a_checksum_of_other_bytes_is_400_bad_digest(
    raw: RawS3, bucket: str, subresource: str, body: bytes, header: str, digest: Any
) -> None:
    """Current SDKs send a configuration PUT with an x-amz-checksum-* header in place of Content-MD5
    (checking-object-integrity.html; the operations that need a digest take either). S3 checks it
    like Content-MD5: one computed over other bytes is 400 BadDigest ("The CRC32 you specified did
    not match the calculated checksum") and nothing is configured; the right one is taken."""
    wrong = raw.request("PUT", "/" + bucket, [(subresource, "")], headers={header: digest(body + b" ")}, body=body)
    refused(wrong, 400, "BadDigest", accepted=f"a configuration with a wrong {header} accepted")
    _unchanged(raw, bucket, subresource)
    right = raw.request("PUT", "/" + bucket, [(subresource, "")], headers={header: digest(body)}, body=body)
    assert right.status in (200, 204), right


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize(("subresource", "body"), _params(_DOCUMENTS))
def test_configuration_put_with_a_wrong_content_md5_is_refused(
    raw: RawS3, bucket: str, subresource: str, body: bytes
) -> None:
    """Content-MD5 is optional on some of these PUTs (versioning, Block Public Access, ownership
    controls) and required on others, but S3 checks every one it is sent (ErrorResponses.html): of
    other bytes, 400 BadDigest; not a base64 MD5, 400 InvalidDigest; nothing is configured."""
    refuses_a_wrong_digest(raw, "/" + bucket, [(subresource, "")], body, f"a {subresource} document")
    _unchanged(raw, bucket, subresource)


@pytest.mark.s3_requires("checksums")
@pytest.mark.s3_requires("delete_objects")
@pytest.mark.aws_doc(_API + "API_DeleteObjects.html")
def test_delete_objects_with_a_checksum_of_other_bytes_is_400_bad_digest(raw: RawS3, s3: Any, bucket: str) -> None:
    """API_DeleteObjects.html: the request needs Content-MD5 or an x-amz-checksum-* header, and S3
    checks the one it gets: a CRC32 of other bytes is 400 BadDigest and nothing is deleted."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = b"<Delete><Object><Key>a</Key></Object></Delete>"
    headers = {"x-amz-checksum-crc32": _crc32(body + b" ")}
    answer = raw.request("POST", "/" + bucket, [("delete", "")], headers=headers, body=body)
    refused(answer, 400, "BadDigest", accepted="DeleteObjects with a wrong x-amz-checksum-crc32 accepted")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])] == ["a"]


# -- an element the schema does not name ------------------------------------------------------------
# Ignoring it would apply another setting than the one sent: a misspelt switch of Block Public Access
# (BlockPublicACLs) would leave the bucket open while the client believes it closed.

_UNNAMED = {
    "cors-rule": (
        "cors",
        b"<CORSConfiguration><CORSRule>" + _ORIGIN_GET + b"<MaxAge>5</MaxAge></CORSRule></CORSConfiguration>",
    ),
    "cors-configuration": (
        "cors",
        b"<CORSConfiguration><CORSRule>" + _ORIGIN_GET + b"</CORSRule><Rule>x</Rule></CORSConfiguration>",
    ),
    "versioning": (
        "versioning",
        b"<VersioningConfiguration><Status>Enabled</Status><MFADelete>Enabled</MFADelete></VersioningConfiguration>",
    ),
    "public-access-block": (
        "publicAccessBlock",
        b"<PublicAccessBlockConfiguration><BlockPublicACLs>true</BlockPublicACLs></PublicAccessBlockConfiguration>",
    ),
    "ownership-rule": (
        "ownershipControls",
        b"<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership><Owner>x</Owner></Rule>"
        b"</OwnershipControls>",
    ),
    "ownership-controls": (
        "ownershipControls",
        b"<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Owner>x</Owner>"
        b"</OwnershipControls>",
    ),
    "bucket-tagging": ("tagging", b"<Tagging><TagSet>" + _TAG + b"</TagSet><Owner>x</Owner></Tagging>"),
    "bucket-tag-set": ("tagging", b"<Tagging><TagSet>" + _TAG + b"<Label>x</Label></TagSet></Tagging>"),
    "bucket-tag": (
        "tagging",
        b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value><Kind>x</Kind></Tag></TagSet></Tagging>",
    ),
    "request-payment": (
        "requestPayment",
        b"<RequestPaymentConfiguration><Payer>BucketOwner</Payer><Requester>x</Requester></RequestPaymentConfiguration>",
    ),
}


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize(("subresource", "body"), _params(_UNNAMED))
def test_configuration_with_an_element_the_schema_does_not_name_is_400_malformed_xml(
    raw: RawS3, bucket: str, subresource: str, body: bytes
) -> None:
    """API_CORSRule.html, API_VersioningConfiguration.html, API_PublicAccessBlockConfiguration.html,
    API_OwnershipControlsRule.html, API_Tagging.html / API_Tag.html and API_RequestPaymentConfiguration.html
    list every element each document holds (names are case-sensitive).
    One they do not name does not validate against the schema: 400 MalformedXML, nothing configured."""
    answer = _put(raw, bucket, subresource, body)
    refused(answer, 400, "MalformedXML", accepted=f"a {subresource} document with an element of no schema accepted")
    _unchanged(raw, bucket, subresource)


# -- a body that is no such document ----------------------------------------------------------------

_NOT_DOCUMENTS = {
    "cors-empty": ("cors", b""),
    "cors-wrong-root": ("cors", b"<CORSRules><CORSRule>" + _ORIGIN_GET + b"</CORSRule></CORSRules>"),
    "cors-no-rule": ("cors", b"<CORSConfiguration></CORSConfiguration>"),
    "cors-rule-without-origin": (
        "cors",
        b"<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
    ),
    "cors-rule-without-method": (
        "cors",
        b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
    ),
    "versioning-wrong-root": ("versioning", b"<Versioning><Status>Enabled</Status></Versioning>"),
    "public-access-block-empty": ("publicAccessBlock", b""),
    "public-access-block-wrong-root": (
        "publicAccessBlock",
        b"<PublicAccessBlock><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlock>",
    ),
    "public-access-block-not-a-boolean": (
        "publicAccessBlock",
        b"<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>",
    ),
    "ownership-empty": ("ownershipControls", b""),
    "ownership-wrong-root": (
        "ownershipControls",
        b"<ObjectOwnership><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></ObjectOwnership>",
    ),
    "ownership-no-rule": ("ownershipControls", b"<OwnershipControls></OwnershipControls>"),
    "ownership-rule-without-setting": ("ownershipControls", b"<OwnershipControls><Rule></Rule></OwnershipControls>"),
}


@pytest.mark.aws_doc(_API + "ErrorResponses.html")
@pytest.mark.parametrize(("subresource", "body"), _params(_NOT_DOCUMENTS))
def test_configuration_body_that_is_no_such_document_is_400(
    raw: RawS3, bucket: str, subresource: str, body: bytes
) -> None:
    """Each of these PUTs takes one document (API_PutBucketCors.html: CORSConfiguration with one or
    more CORSRule, each with AllowedOrigin and AllowedMethod, Required: Yes; API_PutPublicAccessBlock.html;
    API_PutBucketOwnershipControls.html: OwnershipControls with one Rule with ObjectOwnership). An empty
    body, another root, or a required element missing does not validate: 400 MalformedXML (an empty
    body may be MissingRequestBodyError), and nothing is configured."""
    answer = _put(raw, bucket, subresource, body)
    allowed = {"MalformedXML"} | ({"MissingRequestBodyError"} if not body else set())
    assert (answer.status, answer.code in allowed) == (400, True), answer
    _unchanged(raw, bucket, subresource)
