"""Versioning, session 13's pass: what the answers say about delete markers and the ``null`` version.
PutBucketVersioning with a Status that is not one string; the 405 of every object operation (tagging,
ACL, attributes, legal hold, retention) that names a delete marker by id (the Allow header, the Method
it names, the marker's headers) and the 404 of a key whose current version is a marker (the marker's
id and time); the ``null`` version named on reads once versioning was configured, addressing every
operation in a never-versioned bucket, and through Enabled -> Suspended -> Enabled -> Suspended;
DeleteObjects removing a ``null`` delete marker or naming an empty VersionId; version ids that belong
to another key; versions of keys a file system cannot hold as paths; read conditions evaluated on the
version named.

References (``_API`` = https://docs.aws.amazon.com/AmazonS3/latest/API/, ``_GUIDE`` =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/): DeleteMarker.html, ManagingDelMarkers.html,
versioning-workflows.html, AddingObjectstoVersionSuspendedBuckets.html,
DeletingObjectsfromVersioningSuspendedBuckets.html, RetrievingObjectVersions.html, API_GetObject.html,
API_HeadObject.html, API_DeleteObject.html, API_DeleteObjects.html, API_DeletedObject.html,
API_CopyObject.html, API_VersioningConfiguration.html, API_ObjectIdentifier.html, object-keys.html;
RFC 9110 section 15.5.6 (405 Method Not Allowed).
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import pytest

from cargobay.testing.conformance_suite._expect import error_of, header
from cargobay.testing.conformance_suite._http import RawS3, key_path, md5_b64
from cargobay.testing.conformance_suite._versions import ids, list_all_versions, list_versions_page, purge_versions

pytestmark = [
    pytest.mark.s3_requires("versioning"),
    pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"),
]

_TAGGING = (
    b'<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>'
    b"</TagSet></Tagging>"
)

# Each object operation that takes ?versionId, as (method, extra params, headers, body).
_ON_A_VERSION: dict[str, tuple[str, list[tuple[str, str]], dict[str, str], bytes]] = {
    "GetObject": ("GET", [], {}, b""),
    "HeadObject": ("HEAD", [], {}, b""),
    "GetObjectTagging": ("GET", [("tagging", "")], {}, b""),
    "PutObjectTagging": ("PUT", [("tagging", "")], {"content-md5": md5_b64(_TAGGING)}, _TAGGING),
    "DeleteObjectTagging": ("DELETE", [("tagging", "")], {}, b""),
    "GetObjectAcl": ("GET", [("acl", "")], {}, b""),
    "PutObjectAcl": ("PUT", [("acl", "")], {"x-amz-acl": "private"}, b""),
    "GetObjectAttributes": ("GET", [("attributes", "")], {"x-amz-object-attributes": "ETag"}, b""),
}
_NEEDS = {"Tagging": "tagging", "Acl": "acl", "Attributes": "attributes"}


def _operations() -> list[Any]:
    """The operations as parameters, each marked with the capability it needs beyond versioning."""
    out = []
    for name in sorted(_ON_A_VERSION):
        needs = [cap for suffix, cap in _NEEDS.items() if name.endswith(suffix)]
        out.append(pytest.param(name, marks=[pytest.mark.s3_requires(*needs)] if needs else []))
    return out


def _stack(raw: RawS3, bucket: str, key: str) -> list[tuple[str, str, bool]]:
    """(kind, version id, is latest) of every entry of ``key``, newest first, as listed."""
    return [(e.kind, e.version_id, e.is_latest) for e in list_versions_page(raw, bucket, prefix=key).entries]


def _body(s3: Any, bucket: str, key: str, **kwargs: Any) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()  # type: ignore[no-any-return]


def _status(s3: Any, bucket: str, status: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


# -- PutBucketVersioning: a document the schema does not allow -----------------------------------------


def _versioning(inner: str) -> bytes:
    return (
        f'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</VersioningConfiguration>'
    ).encode()


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_VersioningConfiguration.html")
@pytest.mark.parametrize(
    ("inner", "before"),
    [
        ("<Status>Enabled</Status><Status>Suspended</Status>", None),
        ("<Status>Suspended</Status><Status>Enabled</Status>", "Enabled"),
        ("<Status>Enabled<Status>Suspended</Status></Status>", None),
    ],
    ids=["enabled-then-suspended", "suspended-then-enabled", "status-holding-an-element"],
)
def test_put_bucket_versioning_with_status_not_one_string_is_400_and_changes_nothing(
    raw: RawS3, s3: Any, bucket: str, inner: str, before: str | None
) -> None:
    """API_VersioningConfiguration.html: Status is one element (Type: String, "Valid Values: Enabled |
    Suspended"); a document with two, or whose Status holds an element, does not validate against the
    schema: 400 MalformedXML (ErrorResponses.html), as for any element the schema allows once (the
    class API_Tag.html and API_ObjectIdentifier.html name). Taking the first would turn versioning on or
    off on half a document; the state stays what it was."""
    if before is not None:
        _status(s3, bucket, before)
    body = _versioning(inner)
    try:
        answer = raw.request(
            "PUT", "/" + bucket, [("versioning", "")], headers={"content-md5": md5_b64(body)}, body=body
        )
        assert (answer.status, answer.code) == (400, "MalformedXML"), answer
        assert s3.get_bucket_versioning(Bucket=bucket).get("Status") == before
    finally:
        purge_versions(s3, bucket, locked=False)


# -- a delete marker named by id -----------------------------------------------------------------


@pytest.mark.aws_doc("https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html")
@pytest.mark.parametrize("operation", _operations())
def test_an_operation_on_a_delete_marker_by_id_is_405_allowing_only_delete(
    raw: RawS3, s3: Any, versioned_bucket: str, operation: str
) -> None:
    """DeleteMarker.html: a delete marker has no data and no ACL, and "The only operation you can use on
    a delete marker is an Amazon S3 API DELETE call"; API_GetObject.html / API_HeadObject.html: a version
    that is a delete marker answers 405 Method Not Allowed (x-amz-delete-marker: true, Last-Modified).
    RFC 9110 section 15.5.6: "The origin server MUST generate an Allow header field in a 405 response
    containing a list of the target resource's currently supported methods" — for a marker, DELETE.
    The error names the request's own method (the Method element) and the resource type, and the answer
    names the marker (x-amz-version-id). Nothing changes: the DELETE allowed still removes the marker."""
    method, params, headers, body = _ON_A_VERSION[operation]
    version = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    answer = raw.request(
        method, key_path(versioned_bucket, "k"), [*params, ("versionId", marker)], headers=headers, body=body
    )
    assert answer.status == 405, answer
    allowed = {m.strip().upper() for m in answer.headers.get("allow", "").split(",") if m.strip()}
    assert allowed == {"DELETE"}, f"Allow: {answer.headers.get('allow')!r} on the 405 of a delete marker"
    assert answer.headers.get("x-amz-delete-marker") == "true", answer
    assert answer.headers.get("x-amz-version-id") == marker, answer
    if method != "HEAD":
        assert answer.code == "MethodNotAllowed", answer
        fields = {child.tag.rsplit("}", 1)[-1]: child.text for child in answer.xml()}
        assert fields.get("Method", method) == method, f"a {method} refused as {fields.get('Method')}: {answer}"
        assert fields.get("ResourceType", "DeleteMarker") == "DeleteMarker", answer
    assert _stack(raw, versioned_bucket, "k") == [("DeleteMarker", marker, True), ("Version", version, False)]
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=marker)
    assert _body(s3, versioned_bucket, "k") == b"x"


@pytest.mark.aws_doc(
    "https://aws.amazon.com/about-aws/whats-new/2023/09/amazon-s3-last-modified-time-delete-markers-s3-head-get-apis"
)
def test_the_404_of_a_key_whose_current_version_is_a_marker_names_the_marker_and_its_time(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """API_GetObject.html: "If the current version of the object is a delete marker, Amazon S3 behaves as
    if the object was deleted and includes x-amz-delete-marker: true in the response" (404 NoSuchKey,
    DeleteMarker.html); the AWS announcement of 2023-09-27 ("Amazon S3 now provides the Last-Modified
    time of delete markers in the response headers of S3 Head and Get APIs ... when a customer issues a
    delete request without a versionId specified, S3 adds a delete marker") gives that answer the
    marker's Last-Modified, so a client learns when the key was deleted, and x-amz-version-id names the
    marker (the one ListObjectVersions shows as latest)."""
    s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"x")
    time.sleep(1.1)  # the marker is a later second than the version
    marker = s3.delete_object(Bucket=versioned_bucket, Key="k")["VersionId"]
    (entry,) = s3.list_object_versions(Bucket=versioned_bucket, Prefix="k")["DeleteMarkers"]
    for method in ("GET", "HEAD"):
        answer = raw.request(method, key_path(versioned_bucket, "k"))
        assert answer.status == 404, answer
        if method == "GET":
            assert answer.code == "NoSuchKey", answer
        assert answer.headers.get("x-amz-delete-marker") == "true", answer
        assert answer.headers.get("x-amz-version-id") == marker, answer.headers
        stamp = answer.headers.get("last-modified")
        assert stamp, f"{method}: no Last-Modified on the 404 of a deleted key: {dict(answer.headers)}"
        assert abs((parsedate_to_datetime(stamp) - entry["LastModified"]).total_seconds()) < 1, (stamp, entry)


_LEGAL_HOLD = b'<LegalHold xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>ON</Status></LegalHold>'
_RETENTION = (
    b'<Retention xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Mode>GOVERNANCE</Mode>'
    b"<RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>"
)
_LOCK_OPERATIONS = {
    "GetObjectLegalHold": ("GET", "legal-hold", b""),
    "PutObjectLegalHold": ("PUT", "legal-hold", _LEGAL_HOLD),
    "GetObjectRetention": ("GET", "retention", b""),
    "PutObjectRetention": ("PUT", "retention", _RETENTION),
}


@pytest.mark.s3_requires("object_lock")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html")
@pytest.mark.parametrize("operation", sorted(_LOCK_OPERATIONS))
def test_lock_settings_of_a_delete_marker_are_refused(raw: RawS3, s3: Any, lock_bucket: str, operation: str) -> None:
    """DeleteMarker.html: a marker has no data, and DELETE is the only operation on it, so a legal hold or
    a retention cannot be read or set on one named by id: 405 MethodNotAllowed, Allow: DELETE (AWS
    answers PutObjectTagging and the lock operations on a marker so, recorded in
    https://github.com/versity/versitygw/issues/1750). Without a version id, a key whose current version
    is a marker has no object: 404 NoSuchKey with x-amz-delete-marker: true (API_GetObject.html). Nothing
    changes."""
    method, sub, body = _LOCK_OPERATIONS[operation]
    version = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    marker = s3.delete_object(Bucket=lock_bucket, Key="k")["VersionId"]
    headers = {"content-md5": md5_b64(body)} if body else {}
    path = key_path(lock_bucket, "k")
    named = raw.request(method, path, [(sub, ""), ("versionId", marker)], headers=headers, body=body)
    assert (named.status, named.code) == (405, "MethodNotAllowed"), named
    assert named.headers.get("allow", "").upper() == "DELETE", named.headers
    assert (named.headers.get("x-amz-delete-marker"), named.headers.get("x-amz-version-id")) == ("true", marker)
    current = raw.request(method, path, [(sub, "")], headers=headers, body=body)
    assert (current.status, current.code) == (404, "NoSuchKey"), current
    assert current.headers.get("x-amz-delete-marker") == "true", current.headers
    assert _stack(raw, lock_bucket, "k") == [("DeleteMarker", marker, True), ("Version", version, False)]


# -- the null version, named -------------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html")
def test_reads_name_the_null_version_once_versioning_was_configured(raw: RawS3, s3: Any, bucket: str) -> None:
    """versioning-workflows.html: objects stored before versioning was set "have a version ID of null";
    AddingObjectstoVersionSuspendedBuckets.html: a suspended bucket stores each object with version ID
    null. Once the bucket has a versioning state, GET and HEAD of such an object name it
    (x-amz-version-id: null, API_GetObject.html "Version ID of the object"); a bucket that never had a
    state has no versions to name (API_PutObject.html), so the header is absent there."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")
    for method in ("GET", "HEAD"):
        plain = raw.request(method, key_path(bucket, "k"))
        assert plain.status == 200 and "x-amz-version-id" not in plain.headers, plain
    _status(s3, bucket, "Enabled")
    try:
        for method in ("GET", "HEAD"):
            named = raw.request(method, key_path(bucket, "k"))
            assert (named.status, named.headers.get("x-amz-version-id")) == (200, "null"), named
        _status(s3, bucket, "Suspended")
        s3.put_object(Bucket=bucket, Key="s", Body=b"suspended")
        for method in ("GET", "HEAD"):
            named = raw.request(method, key_path(bucket, "s"))
            assert (named.status, named.headers.get("x-amz-version-id")) == (200, "null"), named
    finally:
        purge_versions(s3, bucket, locked=False)


@pytest.mark.s3_requires("tagging", "acl", "attributes")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/versioning-workflows.html")
def test_null_version_id_addresses_every_operation_on_a_never_versioned_object(s3: Any, bucket: str) -> None:
    """versioning-workflows.html: objects stored before a versioning state is set "have a version ID of
    null", so in a bucket that never had one, versionId=null names the object for every operation that
    takes a version id (API_PutObjectTagging.html, API_GetObjectTagging.html, API_GetObjectAcl.html,
    API_GetObjectAttributes.html, API_CopyObject.html x-amz-copy-source "?versionId="), not only GET,
    HEAD and DELETE."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"plain")
    tags = {"TagSet": [{"Key": "t", "Value": "1"}]}
    s3.put_object_tagging(Bucket=bucket, Key="k", VersionId="null", Tagging=tags)
    assert s3.get_object_tagging(Bucket=bucket, Key="k", VersionId="null")["TagSet"] == tags["TagSet"]
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags["TagSet"]
    assert s3.get_object_acl(Bucket=bucket, Key="k", VersionId="null")["Grants"]
    got = s3.get_object_attributes(Bucket=bucket, Key="k", VersionId="null", ObjectAttributes=["ObjectSize"])
    assert got.get("ObjectSize") == 5
    s3.copy_object(Bucket=bucket, Key="c", CopySource={"Bucket": bucket, "Key": "k", "VersionId": "null"})
    assert _body(s3, bucket, "c") == b"plain"
    s3.delete_object_tagging(Bucket=bucket, Key="k", VersionId="null")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []


@pytest.mark.aws_doc(
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html"
)
def test_the_null_version_through_enabled_suspended_enabled_suspended(raw: RawS3, s3: Any, bucket: str) -> None:
    """versioning-workflows.html: "After you version-enable a bucket, it can never return to an unversioned
    state", and the null version stays where it is when the state changes. Suspended
    (AddingObjectstoVersionSuspendedBuckets.html): a PUT writes the null version, replacing the one
    there wherever it sits; DeletingObjectsfromVersioningSuspendedBuckets.html: a simple DELETE removes
    the null version and adds a null delete marker. Enabled again: a PUT adds a version above the null
    one, a simple DELETE adds a marker with an id of its own (API_DeleteObject.html) and keeps it."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"unversioned")
    _status(s3, bucket, "Enabled")
    try:
        v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
        assert _stack(raw, bucket, "k") == [("Version", v1, True), ("Version", "null", False)]
        _status(s3, bucket, "Suspended")
        assert s3.put_object(Bucket=bucket, Key="k", Body=b"null 2").get("VersionId") == "null"
        assert _stack(raw, bucket, "k") == [("Version", "null", True), ("Version", v1, False)]
        _status(s3, bucket, "Enabled")
        v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"v2")["VersionId"]
        marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
        assert marker not in (None, "null", v1, v2)
        assert _stack(raw, bucket, "k") == [
            ("DeleteMarker", marker, True),
            ("Version", v2, False),
            ("Version", "null", False),
            ("Version", v1, False),
        ]
        assert _body(s3, bucket, "k", VersionId="null") == b"null 2"
        _status(s3, bucket, "Suspended")
        assert s3.put_object(Bucket=bucket, Key="k", Body=b"null 3").get("VersionId") == "null"
        assert _stack(raw, bucket, "k") == [
            ("Version", "null", True),
            ("DeleteMarker", marker, False),
            ("Version", v2, False),
            ("Version", v1, False),
        ]
        got = s3.get_object(Bucket=bucket, Key="k")
        assert (got["Body"].read(), got.get("VersionId")) == (b"null 3", "null")
        gone = s3.delete_object(Bucket=bucket, Key="k")
        assert (header(gone, "x-amz-delete-marker"), header(gone, "x-amz-version-id")) == ("true", "null")
        assert _stack(raw, bucket, "k") == [
            ("DeleteMarker", "null", True),
            ("DeleteMarker", marker, False),
            ("Version", v2, False),
            ("Version", v1, False),
        ]
        assert [_body(s3, bucket, "k", VersionId=v) for v in (v2, v1)] == [b"v2", b"v1"]
    finally:
        purge_versions(s3, bucket, locked=False)


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletedObject.html")
def test_delete_objects_removing_a_null_delete_marker_says_so(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """API_DeletedObject.html: DeleteMarker "Indicates whether the specified object version that was
    permanently deleted was (true) or was not (false) a delete marker", DeleteMarkerVersionId "If you
    delete a specific object version, the value returned ... is the version ID of the object version
    deleted"; the null delete marker of a suspended bucket named ``null`` is such a version, and removing
    it uncovers the version below (ManagingDelMarkers.html)."""
    kept = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"kept")["VersionId"]
    _status(s3, versioned_bucket, "Suspended")
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": [{"Key": "k", "VersionId": "null"}]})
    assert done.get("Errors", []) == []
    ((entry),) = done["Deleted"]
    assert (entry["Key"], entry.get("VersionId"), entry.get("DeleteMarker"), entry.get("DeleteMarkerVersionId")) == (
        "k",
        "null",
        True,
        "null",
    )
    assert _stack(raw, versioned_bucket, "k") == [("Version", kept, True)]
    assert _body(s3, versioned_bucket, "k") == b"kept"


@pytest.mark.s3_requires("delete_objects")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html")
@pytest.mark.parametrize("state", [None, "Enabled", "Suspended"], ids=["unversioned", "enabled", "suspended"])
def test_delete_objects_empty_version_id_is_a_no_such_version_entry(
    raw: RawS3, s3: Any, bucket: str, state: str | None
) -> None:
    """API_ObjectIdentifier.html VersionId: "Version ID for the specific version of the object to
    delete"; an empty one names a version whose id is the empty string, which none has: AWS answers the
    entry as an Error "The specified version does not exist." (NoSuchVersion; recorded in
    https://github.com/brendanhay/amazonka/issues/160, where a client sent <VersionId/> for keys it
    meant without a version) and deletes nothing — never a delete of the current object or a new
    delete marker, as if the element were absent. As DeleteObject's ?versionId= with no value, which is
    refused (InvalidArgument), the request is not taken as one without a version. The other entries
    are still deleted."""
    if state is not None:
        _status(s3, bucket, state)
    try:
        s3.put_object(Bucket=bucket, Key="k", Body=b"kept")
        s3.put_object(Bucket=bucket, Key="free", Body=b"x")
        body = (
            b'<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>k</Key><VersionId></VersionId>'
            b"</Object><Object><Key>free</Key></Object></Delete>"
        )
        answer = raw.request("POST", "/" + bucket, [("delete", "")], headers={"content-md5": md5_b64(body)}, body=body)
        assert answer.status == 200, answer
        entries = [(child.tag.rsplit("}", 1)[-1], child) for child in answer.xml()]
        fields = [(kind, {c.tag.rsplit("}", 1)[-1]: (c.text or "") for c in node}) for kind, node in entries]
        errors = [f for kind, f in fields if kind == "Error"]
        assert [(e.get("Key"), e.get("VersionId", ""), e.get("Code")) for e in errors] == [
            ("k", "", "NoSuchVersion")
        ], answer
        assert [f.get("Key") for kind, f in fields if kind == "Deleted"] == ["free"], answer
        got = s3.get_object(Bucket=bucket, Key="k")
        assert got["Body"].read() == b"kept"
        if state is not None:
            assert [kind for kind, _, _ in _stack(raw, bucket, "k")] == ["Version"], "a delete marker was added"
    finally:
        if state is not None:
            purge_versions(s3, bucket, locked=False)


# -- a version id belongs to one key -------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/RetrievingObjectVersions.html")
def test_a_version_id_of_another_key_names_nothing(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """RetrievingObjectVersions.html: a version is retrieved by key *and* version id; the id of one key's
    version names no version of another key. GET, HEAD and a copy source are 404 NoSuchVersion
    (ErrorResponses.html: "does not match an existing version"); DELETE and a DeleteObjects entry remove
    nothing and still succeed (API_DeleteObject.html); the other key's version is untouched."""
    va = s3.put_object(Bucket=versioned_bucket, Key="a", Body=b"a")["VersionId"]
    vb = s3.put_object(Bucket=versioned_bucket, Key="b", Body=b"b")["VersionId"]
    assert error_of(lambda: s3.get_object(Bucket=versioned_bucket, Key="b", VersionId=va)) == (404, "NoSuchVersion")
    assert error_of(lambda: s3.head_object(Bucket=versioned_bucket, Key="b", VersionId=va)) == (404, None)
    source = {"Bucket": versioned_bucket, "Key": "b", "VersionId": va}
    assert error_of(lambda: s3.copy_object(Bucket=versioned_bucket, Key="c", CopySource=source)) == (
        404,
        "NoSuchVersion",
    )
    gone = s3.delete_object(Bucket=versioned_bucket, Key="b", VersionId=va)
    assert gone["ResponseMetadata"]["HTTPStatusCode"] == 204
    done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": [{"Key": "b", "VersionId": va}]})
    assert done.get("Errors", []) == [], done
    assert _stack(raw, versioned_bucket, "a") == [("Version", va, True)]
    assert _stack(raw, versioned_bucket, "b") == [("Version", vb, True)]
    assert _body(s3, versioned_bucket, "a", VersionId=va) == b"a"


# -- versions of keys that are awkward as file names ----------------------------------------------------

# Valid keys (object-key naming: any UTF-8 sequence up to 1,024 bytes) that a file system cannot hold as a
# path: a key that is also a prefix of another, empty, "." and ".." segments, a trailing slash, and
# segments longer than a file name may be.
_AWKWARD = ["a", "a/", "a//b", "a/./c", "a/../b", "a/b", "a/b/", ".", "..", "x" * 300, "d/" + "y" * 300 + "/z"]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html")
@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_versions_of_awkward_keys_list_read_and_promote_as_any_other(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """object-keys.html: a key is any UTF-8 sequence of up to 1,024 bytes, so each of these is a key like
    any other: each version is kept and read back by id (RetrievingObjectVersions.html), ListObjectVersions
    gives keys in UTF-8 byte order and each key's versions newest first, in one page or paged by one
    (API_ListObjectVersions.html), deleting the current version by id makes the next newest current
    (DeletingObjectVersions.html) and deleting a delete marker restores the version below it
    (ManagingDelMarkers.html), without touching the keys beside it."""
    made: dict[str, list[str]] = {}
    for key in _AWKWARD:
        made[key] = [
            s3.put_object(Bucket=versioned_bucket, Key=key, Body=f"{key}|{i}".encode())["VersionId"] for i in (0, 1)
        ]
    markers = {key: s3.delete_object(Bucket=versioned_bucket, Key=key)["VersionId"] for key in _AWKWARD[::2]}
    expected = []
    for key in sorted(_AWKWARD, key=lambda k: k.encode()):
        stack = ([("DeleteMarker", markers[key])] if key in markers else []) + [
            ("Version", made[key][1]),
            ("Version", made[key][0]),
        ]
        expected += [(kind, key, vid, n == 0) for n, (kind, vid) in enumerate(stack)]
    for size in (1000, 1, 3):
        listed, _, _ = list_all_versions(raw, versioned_bucket, page_size=size)
        assert ids(listed) == expected, f"paged by {size}"
    for key in _AWKWARD:
        assert [_body(s3, versioned_bucket, key, VersionId=v) for v in made[key]] == [
            f"{key}|0".encode(),
            f"{key}|1".encode(),
        ], key
    for key in _AWKWARD:
        if key in markers:
            s3.delete_object(Bucket=versioned_bucket, Key=key, VersionId=markers[key])
        else:
            s3.delete_object(Bucket=versioned_bucket, Key=key, VersionId=made[key][1])
    for key in _AWKWARD:
        got = s3.get_object(Bucket=versioned_bucket, Key=key)
        current = 1 if key in markers else 0
        assert (got["Body"].read(), got.get("VersionId")) == (f"{key}|{current}".encode(), made[key][current]), key


# -- paging on after the version a page ended on is gone ----------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html")
def test_list_versions_pages_on_after_the_marker_version_was_deleted(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """API_ListObjectVersions.html version-id-marker: "Specifies the object version you want to start
    listing from" — a position in the key's versions, newest first. A client that deletes each page's
    versions before asking for the next names a version that is gone by then: the AWS SDKs' batch
    deletes do exactly that (boto3's ``bucket.object_versions.delete()``, aws-sdk-ruby's
    ``ObjectVersion::Collection#batch_delete!``: one DeleteObjects per page, the next page fetched
    after), and they empty buckets on AWS. The next page still starts after that position: the older
    versions of that key, then the next keys (the API pages are silent on a marker that is gone). When
    the version named was the current one, the version promoted in its place (or the delete marker
    uncovered) is older than it, so it is listed, IsLatest true."""
    made = [s3.put_object(Bucket=versioned_bucket, Key="k", Body=f"v{i}".encode())["VersionId"] for i in range(5)]
    z = s3.put_object(Bucket=versioned_bucket, Key="z", Body=b"z")["VersionId"]
    first = list_versions_page(raw, versioned_bucket, **{"max-keys": "2"})
    assert [e.version_id for e in first.entries] == [made[4], made[3]]
    assert (first.next_key_marker, first.next_version_id_marker) == ("k", made[3])
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=made[3])
    rest = list_versions_page(raw, versioned_bucket, **{"key-marker": "k", "version-id-marker": made[3]})
    assert ids(rest.entries) == [
        ("Version", "k", made[2], False),
        ("Version", "k", made[1], False),
        ("Version", "k", made[0], False),
        ("Version", "z", z, True),
    ], "the versions older than a deleted marker version were skipped"
    s3.delete_object(Bucket=versioned_bucket, Key="k", VersionId=made[4])  # made[2] is current now
    after_current = list_versions_page(raw, versioned_bucket, **{"key-marker": "k", "version-id-marker": made[4]})
    assert ids(after_current.entries) == [
        ("Version", "k", made[2], True),
        ("Version", "k", made[1], False),
        ("Version", "k", made[0], False),
        ("Version", "z", z, True),
    ]
    marker = s3.delete_object(Bucket=versioned_bucket, Key="z")["VersionId"]
    top = s3.put_object(Bucket=versioned_bucket, Key="z", Body=b"top")["VersionId"]
    s3.delete_object(Bucket=versioned_bucket, Key="z", VersionId=top)  # the marker is latest again
    after_top = list_versions_page(raw, versioned_bucket, **{"key-marker": "z", "version-id-marker": top})
    assert ids(after_top.entries) == [("DeleteMarker", "z", marker, True), ("Version", "z", z, False)]


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeletingObjectVersions.html")
def test_deleting_each_page_of_versions_as_it_comes_empties_the_bucket(
    raw: RawS3, s3: Any, versioned_bucket: str
) -> None:
    """DeletingObjectVersions.html: a version is deleted for good by its id. Emptying a bucket page by
    page — list max-keys versions, delete them (DeleteObjects), ask for the next page with the answer's
    NextKeyMarker / NextVersionIdMarker (API_ListObjectVersions.html) — reaches every version and delete
    marker, however the pages cut a key's versions, and leaves the bucket empty."""
    for key, count in (("a", 3), ("k", 7), ("z", 2)):
        for i in range(count):
            s3.put_object(Bucket=versioned_bucket, Key=key, Body=f"{key}{i}".encode())
    s3.delete_object(Bucket=versioned_bucket, Key="k")
    query: dict[str, str] = {"max-keys": "3"}
    for _ in range(20):
        page = list_versions_page(raw, versioned_bucket, **query)
        if page.entries:
            objects = [{"Key": e.key, "VersionId": e.version_id} for e in page.entries]
            done = s3.delete_objects(Bucket=versioned_bucket, Delete={"Objects": objects, "Quiet": True})
            assert done.get("Errors", []) == [], done.get("Errors")
        if not page.is_truncated:
            break
        query = {"max-keys": "3", "key-marker": page.next_key_marker or ""}
        if page.next_version_id_marker:
            query["version-id-marker"] = page.next_version_id_marker
    left = list_versions_page(raw, versioned_bucket).entries
    assert left == (), f"{len(left)} versions left after deleting every page: {ids(left)}"


# -- read conditions on a version -----------------------------------------------------------------------


@pytest.mark.aws_doc("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html")
def test_date_and_range_conditions_apply_to_the_version_named(raw: RawS3, s3: Any, versioned_bucket: str) -> None:
    """API_GetObject.html If-Modified-Since / If-Unmodified-Since: "Return the object only if it has (not)
    been modified since the specified time"; If-Range (RFC 9110 section 13.1.5): the range is served only
    when the validator matches the representation. With versionId the representation is that version:
    its own Last-Modified and ETag decide, not the current version's."""
    old = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"old bytes")
    time.sleep(1.1)  # the new version is a later second
    new = s3.put_object(Bucket=versioned_bucket, Key="k", Body=b"new")
    path = key_path(versioned_bucket, "k")
    at = [("versionId", old["VersionId"])]
    old_time = raw.request("HEAD", path, at).headers["last-modified"]
    new_time = raw.request("HEAD", path).headers["last-modified"]
    assert old_time != new_time
    unchanged = raw.request("GET", path, at, headers={"if-modified-since": new_time})
    assert unchanged.status == 304, unchanged
    held = raw.request("GET", path, at, headers={"if-unmodified-since": old_time})
    assert (held.status, held.body) == (200, b"old bytes"), held
    part = raw.request("GET", path, at, headers={"range": "bytes=0-2", "if-range": old["ETag"]})
    assert (part.status, part.body, part.headers.get("x-amz-version-id")) == (206, b"old", old["VersionId"]), part
    whole = raw.request("GET", path, at, headers={"range": "bytes=0-2", "if-range": new["ETag"]})
    assert (whole.status, whole.body) == (200, b"old bytes"), whole
