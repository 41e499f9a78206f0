"""Shared by the ``versioning`` and ``object_lock`` families: versioned and locked bucket fixtures
whose cleanup removes every version, and a ListObjectVersions reader that keeps document order.

Cleanup. The plugin's bucket cleanup deletes what ListObjectsV2 shows, which leaves the old
versions and delete markers of a versioned bucket behind (and DeleteBucket then answers 409
BucketNotEmpty). These fixtures build on the plugin's run-unique ``bucket`` / ``new_bucket_name``
fixtures and, before those delete the bucket, remove every version and marker by id:
governance-locked versions with ``x-amz-bypass-governance-retention: true``, legal holds are
switched OFF first, and COMPLIANCE-locked versions (the tests give them retain-until dates a few
seconds ahead, never more) are waited out. A version still locked after :data:`LOCK_WAIT_S` is
reported as leaked, naming it: a server that never lets a compliance lock expire is wrong.

Ordering. boto3 splits a ListObjectVersions page into ``Versions`` and ``DeleteMarkers`` and so
loses their interleaving; AWS returns one sequence ordered by key, then newest first
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html), so the order tests
read the XML themselves.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from cargobay.testing.conformance_suite._http import RawS3

if TYPE_CHECKING:
    from cargobay.testing.s3_target import S3Target

LOCK_WAIT_S = 30.0  # longest a cleanup waits for short COMPLIANCE retentions to expire
MAX_ROUNDS = 60  # rounds of list-and-delete before the cleanup gives up (a listing that never empties)
COMPLIANCE_S = 3  # how far ahead a test's COMPLIANCE retain-until date lies (seconds)


def soon(seconds: float) -> datetime:
    """A retain-until date ``seconds`` from now (UTC, whole seconds)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)


@dataclass(frozen=True)
class Entry:
    kind: str  # "Version" | "DeleteMarker"
    key: str
    version_id: str
    is_latest: bool


@dataclass(frozen=True)
class VersionPage:
    entries: tuple[Entry, ...]
    prefixes: tuple[str, ...]
    is_truncated: bool
    next_key_marker: str | None
    next_version_id_marker: str | None
    encoding_type: str | None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _text(node: ET.Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            return child.text or ""
    return None


def list_versions_page(raw: RawS3, bucket: str, **params: str) -> VersionPage:
    """One raw ListObjectVersions page (``params`` use the wire names: ``key-marker``...)."""
    answer = raw.request("GET", "/" + bucket, [("versions", ""), *sorted(params.items())])
    assert answer.status == 200, f"ListObjectVersions failed: {answer}"
    root = answer.xml()
    entries: list[Entry] = []
    prefixes: list[str] = []
    for node in root:
        name = _local(node.tag)
        if name in ("Version", "DeleteMarker"):
            entries.append(
                Entry(
                    name,
                    _text(node, "Key") or "",
                    _text(node, "VersionId") or "",
                    (_text(node, "IsLatest") or "").strip() == "true",
                )
            )
        elif name == "CommonPrefixes":
            prefixes.append(_text(node, "Prefix") or "")
    return VersionPage(
        tuple(entries),
        tuple(prefixes),
        (_text(root, "IsTruncated") or "") == "true",
        _text(root, "NextKeyMarker"),
        _text(root, "NextVersionIdMarker"),
        _text(root, "EncodingType"),
    )


def list_all_versions(
    raw: RawS3, bucket: str, *, page_size: int = 1000, max_pages: int = 10_000, **params: str
) -> tuple[list[Entry], list[str], int]:
    """Follow NextKeyMarker/NextVersionIdMarker to the end: (entries, prefixes, pages)."""
    entries: list[Entry] = []
    prefixes: list[str] = []
    query = {**params, "max-keys": str(page_size)}
    for pages in range(1, max_pages + 1):
        page = list_versions_page(raw, bucket, **query)
        entries += page.entries
        prefixes += page.prefixes
        if not page.is_truncated:
            return entries, prefixes, pages
        assert page.next_key_marker, "a truncated ListObjectVersions page without NextKeyMarker"
        query["key-marker"] = page.next_key_marker
        if page.next_version_id_marker:
            query["version-id-marker"] = page.next_version_id_marker
        else:
            query.pop("version-id-marker", None)
    raise AssertionError(f"ListObjectVersions never ended after {max_pages} pages: markers ignored?")


def every_version(client: Any, bucket: str) -> list[tuple[str, str]]:
    """(key, version id) of every version and delete marker, through boto3's paginator."""
    found: list[tuple[str, str]] = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            found.append((item["Key"], item["VersionId"]))
    return found


def purge_versions(client: Any, bucket: str, *, locked: bool, uploads: bool = True) -> None:
    """Remove every version and delete marker of ``bucket`` (and abort its uploads unless ``uploads``
    is False: an endpoint declared without multipart).

    ``locked``: the bucket has Object Lock, so deletes carry the governance bypass, a legal hold
    is switched off when a delete is refused, and refused versions are retried until
    :data:`LOCK_WAIT_S` has passed (short COMPLIANCE retentions expire meanwhile)."""
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return
        raise
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket) if uploads else ():
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    deadline = time.monotonic() + LOCK_WAIT_S
    for _ in range(MAX_ROUNDS):
        refused: list[tuple[str, str, str]] = []
        for key, version in every_version(client, bucket):
            extra: dict[str, Any] = {"BypassGovernanceRetention": True} if locked else {}
            try:
                client.delete_object(Bucket=bucket, Key=key, VersionId=version, **extra)
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if not locked or code != "AccessDenied":
                    raise
                try:  # a legal hold blocks even the bypass
                    client.put_object_legal_hold(Bucket=bucket, Key=key, VersionId=version, LegalHold={"Status": "OFF"})
                    client.delete_object(Bucket=bucket, Key=key, VersionId=version, **extra)
                except ClientError as again:
                    refused.append((key, version, str(again.response.get("Error", {}).get("Code"))))
        if not refused:
            if not every_version(client, bucket):
                return
            continue
        if time.monotonic() > deadline:
            raise AssertionError(
                f"cleanup of {bucket}: {len(refused)} version(s) still locked after "
                f"{LOCK_WAIT_S:.0f} s (leaked; a COMPLIANCE lock that never expires?): "
                f"{refused[:5]}"
            )
        time.sleep(1.0)
    raise AssertionError(
        f"cleanup of {bucket}: versions still listed after {MAX_ROUNDS} rounds of deleting them "
        "(deleted versions reappear in ListObjectVersions?)"
    )


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def versioned_bucket(s3_endpoint: S3Target, bucket: str) -> Iterator[str]:
    """The plugin's run-unique ``bucket`` with versioning Enabled; every version removed after."""
    client = s3_endpoint.client()
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield bucket
    purge_versions(client, bucket, locked=False, uploads="multipart" in s3_endpoint.capabilities)


@pytest.fixture
def lock_bucket(s3_endpoint: S3Target, new_bucket_name: Any) -> Iterator[str]:
    """A run-unique bucket created with Object Lock enabled; every version (locked ones too) removed
    after, then the plugin's ``new_bucket_name`` fixture deletes the bucket."""
    client = s3_endpoint.client()
    name: str = new_bucket_name("lock")
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    yield name
    purge_versions(client, name, locked=True, uploads="multipart" in s3_endpoint.capabilities)


def ids(entries: Sequence[Entry]) -> list[tuple[str, str, str, bool]]:
    """Entries as comparable tuples (kind, key, version id, is latest)."""
    return [(e.kind, e.key, e.version_id, e.is_latest) for e in entries]
