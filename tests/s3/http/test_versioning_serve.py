"""Versioning and object lock as a user sees them: boto3 and the AWS CLI against ``cargobay serve``.

The issue's "Must show" scenario: enable versioning, put three versions, list them, get each by
id, delete with a marker, restore by deleting the marker, suspend; and a locked bucket refuses to
lose a locked version. Expected values follow the AWS S3 API reference (PutBucketVersioning,
ListObjectVersions, DeleteObject, GetObject, PutObjectRetention).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import SubprocessServer


def test_boto3_versions_markers_restore_and_suspend(tmp_path: Path) -> None:
    root = tmp_path / "data"
    with SubprocessServer(str(root)) as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="vbk")
        assert "Status" not in s3.get_bucket_versioning(Bucket="vbk")
        s3.put_bucket_versioning(Bucket="vbk", VersioningConfiguration={"Status": "Enabled"})
        assert s3.get_bucket_versioning(Bucket="vbk")["Status"] == "Enabled"
        ids = [s3.put_object(Bucket="vbk", Key="doc.txt", Body=f"v{n}".encode())["VersionId"] for n in (1, 2, 3)]
        assert len(set(ids)) == 3 and "null" not in ids
        # The current version is the plain file at its path.
        assert (root / "vbk" / "doc.txt").read_bytes() == b"v3"
        listed = s3.list_object_versions(Bucket="vbk")
        assert [v["VersionId"] for v in listed["Versions"]] == ids[::-1]  # newest first
        assert [v["IsLatest"] for v in listed["Versions"]] == [True, False, False]
        for n, vid in enumerate(ids, 1):
            got = s3.get_object(Bucket="vbk", Key="doc.txt", VersionId=vid)
            assert got["Body"].read() == f"v{n}".encode() and got["VersionId"] == vid
        deleted = s3.delete_object(Bucket="vbk", Key="doc.txt")
        assert deleted["DeleteMarker"] is True
        marker = deleted["VersionId"]
        assert not (root / "vbk" / "doc.txt").exists()
        with pytest.raises(ClientError) as err:
            s3.get_object(Bucket="vbk", Key="doc.txt")
        assert err.value.response["Error"]["Code"] == "NoSuchKey"
        assert err.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
        with pytest.raises(ClientError) as err:
            s3.get_object(Bucket="vbk", Key="doc.txt", VersionId=marker)
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
        listed = s3.list_object_versions(Bucket="vbk")
        assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker]
        assert listed["DeleteMarkers"][0]["IsLatest"] is True
        # Restore: delete the marker; v3 is current again, as a plain file.
        s3.delete_object(Bucket="vbk", Key="doc.txt", VersionId=marker)
        assert s3.get_object(Bucket="vbk", Key="doc.txt")["Body"].read() == b"v3"
        assert (root / "vbk" / "doc.txt").read_bytes() == b"v3"
        # Deleting the current version by id promotes the next newest.
        s3.delete_object(Bucket="vbk", Key="doc.txt", VersionId=ids[2])
        assert s3.get_object(Bucket="vbk", Key="doc.txt")["VersionId"] == ids[1]
        s3.put_bucket_versioning(Bucket="vbk", VersioningConfiguration={"Status": "Suspended"})
        assert s3.get_bucket_versioning(Bucket="vbk")["Status"] == "Suspended"
        assert s3.put_object(Bucket="vbk", Key="doc.txt", Body=b"s1").get("VersionId") == "null"
        s3.put_object(Bucket="vbk", Key="doc.txt", Body=b"s2")
        listed = s3.list_object_versions(Bucket="vbk")
        assert [v["VersionId"] for v in listed["Versions"]] == ["null", ids[1], ids[0]]
        with pytest.raises(ClientError) as err:
            s3.put_bucket_versioning(Bucket="vbk", VersioningConfiguration={"Status": "Off"})
        assert err.value.response["Error"]["Code"] == "IllegalVersioningConfigurationException"
        # DeleteObjects with version ids, and a marker through DeleteObjects.
        result = s3.delete_objects(
            Bucket="vbk", Delete={"Objects": [{"Key": "doc.txt", "VersionId": ids[0]}, {"Key": "other"}]}
        )
        by_key = {d["Key"]: d for d in result["Deleted"]}
        assert by_key["doc.txt"]["VersionId"] == ids[0]
        assert by_key["other"]["DeleteMarker"] is True


def test_boto3_object_lock_blocks_deletes_until_bypassed(tmp_path: Path) -> None:
    with SubprocessServer(str(tmp_path / "data")) as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
        assert s3.get_bucket_versioning(Bucket="locked")["Status"] == "Enabled"
        with pytest.raises(ClientError) as err:
            s3.put_bucket_versioning(Bucket="locked", VersioningConfiguration={"Status": "Suspended"})
        assert err.value.response["Error"]["Code"] == "InvalidBucketState"
        s3.put_object_lock_configuration(
            Bucket="locked",
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
            },
        )
        vid = s3.put_object(Bucket="locked", Key="k", Body=b"keep")["VersionId"]
        head = s3.head_object(Bucket="locked", Key="k")
        assert head["ObjectLockMode"] == "GOVERNANCE"
        with pytest.raises(ClientError) as err:
            s3.delete_object(Bucket="locked", Key="k", VersionId=vid)
        assert err.value.response["Error"]["Code"] == "AccessDenied"
        errors = s3.delete_objects(Bucket="locked", Delete={"Objects": [{"Key": "k", "VersionId": vid}]})["Errors"]
        assert [e["Code"] for e in errors] == ["AccessDenied"]
        until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
        vid2 = s3.put_object(
            Bucket="locked", Key="c", Body=b"c", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until
        )["VersionId"]
        with pytest.raises(ClientError) as err:
            s3.delete_object(Bucket="locked", Key="c", VersionId=vid2, BypassGovernanceRetention=True)
        assert err.value.response["Error"]["Code"] == "AccessDenied"
        s3.put_object_legal_hold(Bucket="locked", Key="k", VersionId=vid, LegalHold={"Status": "ON"})
        with pytest.raises(ClientError):
            s3.delete_object(Bucket="locked", Key="k", VersionId=vid, BypassGovernanceRetention=True)
        s3.put_object_legal_hold(Bucket="locked", Key="k", VersionId=vid, LegalHold={"Status": "OFF"})
        s3.delete_object(Bucket="locked", Key="k", VersionId=vid, BypassGovernanceRetention=True)
        retention = s3.get_object_retention(Bucket="locked", Key="c", VersionId=vid2)["Retention"]
        assert retention["Mode"] == "COMPLIANCE"
    # The lock survives a restart.
    with SubprocessServer(str(tmp_path / "data")) as server:
        s3 = boto3_client(server.endpoint)
        with pytest.raises(ClientError) as err:
            s3.delete_object(Bucket="locked", Key="c", VersionId=vid2)
        assert err.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_aws_cli_versions(tmp_path: Path) -> None:
    with SubprocessServer(str(tmp_path / "data")) as server:
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }

        def aws(*args: str) -> dict[str, Any]:
            out = subprocess.run(
                ["aws", "--endpoint-url", server.url, "--output", "json", "s3api", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout
            return json.loads(out) if out.strip() else {}

        aws("create-bucket", "--bucket", "clib")
        aws("put-bucket-versioning", "--bucket", "clib", "--versioning-configuration", "Status=Enabled")
        body = tmp_path / "body"
        ids = []
        for n in range(3):
            body.write_bytes(f"cli{n}".encode())
            ids.append(aws("put-object", "--bucket", "clib", "--key", "f", "--body", str(body))["VersionId"])
        listed = aws("list-object-versions", "--bucket", "clib")
        assert [v["VersionId"] for v in listed["Versions"]] == ids[::-1]
        for n, vid in enumerate(ids):
            aws("get-object", "--bucket", "clib", "--key", "f", "--version-id", vid, str(tmp_path / "out"))
            assert (tmp_path / "out").read_bytes() == f"cli{n}".encode()
        marker = aws("delete-object", "--bucket", "clib", "--key", "f")
        assert marker["DeleteMarker"] is True
        aws("delete-object", "--bucket", "clib", "--key", "f", "--version-id", str(marker["VersionId"]))
        aws("get-object", "--bucket", "clib", "--key", "f", str(tmp_path / "out"))
        assert (tmp_path / "out").read_bytes() == b"cli2"
        aws("put-bucket-versioning", "--bucket", "clib", "--versioning-configuration", "Status=Suspended")
        assert aws("get-bucket-versioning", "--bucket", "clib")["Status"] == "Suspended"


@pytest.mark.skipif(shutil.which("restic") is None, reason="restic is not installed (apt-get install restic)")
def test_restic_backup_to_a_versioned_locked_bucket(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_bytes(b"hello restic\n" * 100)
    (source / "sub" / "b.bin").write_bytes(os.urandom(300_000))
    with SubprocessServer(str(tmp_path / "data")) as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="restic-repo", ObjectLockEnabledForBucket=True)
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": server.access_key,
            "AWS_SECRET_ACCESS_KEY": server.secret_key,
            "RESTIC_PASSWORD": "not-a-secret",
            "RESTIC_CACHE_DIR": str(tmp_path / "cache"),
            "RESTIC_REPOSITORY": f"s3:{server.url}/restic-repo",
        }

        def restic(*args: str) -> str:
            done = subprocess.run(["restic", *args], env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, f"restic {args}: {done.stdout}\n{done.stderr}"
            return done.stdout

        restic("init")
        restic("backup", str(source))
        (source / "a.txt").write_bytes(b"changed\n")
        restic("backup", str(source))
        assert "no errors were found" in restic("check", "--read-data")
        assert len(json.loads(restic("snapshots", "--json"))) == 2
        restic("restore", "latest", "--target", str(tmp_path / "restored"))
        restored = tmp_path / "restored" / str(source).lstrip("/")
        assert (restored / "a.txt").read_bytes() == b"changed\n"
        assert (restored / "sub" / "b.bin").read_bytes() == (source / "sub" / "b.bin").read_bytes()
        assert s3.get_bucket_versioning(Bucket="restic-repo")["Status"] == "Enabled"
        versions = s3.list_object_versions(Bucket="restic-repo")
        assert versions.get("Versions")  # restic's files are versions of a locked bucket
