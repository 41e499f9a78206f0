"""Who may do what: per-user bucket ownership, canned ACLs, bucket policies, anonymous access."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import Endpoint, InProcessServer, SubprocessServer


def _code(call: Any) -> tuple[int, str] | None:
    try:
        call()
    except ClientError as exc:
        return exc.response["ResponseMetadata"]["HTTPStatusCode"], exc.response["Error"].get("Code", "")
    return None


@pytest.fixture(scope="module")
def server() -> Iterator[InProcessServer]:
    with InProcessServer(
        credentials={"AKALICE": "alice-secret", "AKBOB": "bob-secret"},
        users={"AKALICE": "alice", "AKBOB": "bob"},
        default_owner="alice",
    ) as srv:
        yield srv
        assert srv.running.services.internal_errors == 0


@pytest.fixture(scope="module")
def clients(server: InProcessServer) -> tuple[Any, Any, Any]:
    url = server.endpoint.url
    alice = boto3_client(Endpoint(url, "AKALICE", "alice-secret"))
    bob = boto3_client(Endpoint(url, "AKBOB", "bob-secret"))
    anonymous = boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}),
    )
    return alice, bob, anonymous


def test_user_b_cannot_touch_user_a_private_bucket(clients: tuple[Any, Any, Any]) -> None:
    alice, bob, anonymous = clients
    alice.create_bucket(Bucket="alice-private")
    alice.put_object(Bucket="alice-private", Key="k", Body=b"secret")
    denied = (403, "AccessDenied")
    assert _code(lambda: bob.list_objects_v2(Bucket="alice-private")) == denied
    assert _code(lambda: bob.get_object(Bucket="alice-private", Key="k")) == denied
    assert _code(lambda: bob.put_object(Bucket="alice-private", Key="x", Body=b"x")) == denied
    assert _code(lambda: bob.delete_object(Bucket="alice-private", Key="k")) == denied
    assert _code(lambda: bob.delete_bucket(Bucket="alice-private")) == denied
    assert (
        _code(
            lambda: bob.copy_object(Bucket="alice-private", Key="c", CopySource={"Bucket": "alice-private", "Key": "k"})
        )
        == denied
    )
    assert _code(lambda: anonymous.get_object(Bucket="alice-private", Key="k")) == denied
    assert _code(lambda: bob.create_bucket(Bucket="alice-private")) == (409, "BucketAlreadyExists")
    assert alice.get_object(Bucket="alice-private", Key="k")["Body"].read() == b"secret"
    assert "alice-private" not in [b["Name"] for b in bob.list_buckets()["Buckets"]]
    assert "alice-private" in [b["Name"] for b in alice.list_buckets()["Buckets"]]


def test_copy_from_another_users_bucket_needs_read_access(clients: tuple[Any, Any, Any]) -> None:
    alice, bob, _ = clients
    alice.create_bucket(Bucket="alice-src")
    alice.put_object(Bucket="alice-src", Key="k", Body=b"alice data")
    bob.create_bucket(Bucket="bob-dst")
    assert _code(
        lambda: bob.copy_object(Bucket="bob-dst", Key="stolen", CopySource={"Bucket": "alice-src", "Key": "k"})
    ) == (403, "AccessDenied")
    assert _code(lambda: bob.head_object(Bucket="bob-dst", Key="stolen"))[0] == 404  # type: ignore[index]


def test_public_read_acl_opens_reads_only(clients: tuple[Any, Any, Any]) -> None:
    """A public-read bucket lets anyone list it; its objects are read by their own ACLs (AWS:
    acl-overview.html#permissions, READ on a bucket is ListBucket)."""
    alice, bob, anonymous = clients
    alice.create_bucket(Bucket="alice-public", ACL="public-read")
    alice.put_object(Bucket="alice-public", Key="secret.html", Body=b"<p>no</p>")
    assert _code(lambda: anonymous.get_object(Bucket="alice-public", Key="secret.html")) == (403, "AccessDenied")
    alice.delete_object(Bucket="alice-public", Key="secret.html")
    alice.put_object(Bucket="alice-public", Key="page.html", Body=b"<p>hi</p>", ACL="public-read")
    assert anonymous.get_object(Bucket="alice-public", Key="page.html")["Body"].read() == b"<p>hi</p>"
    assert [o["Key"] for o in anonymous.list_objects_v2(Bucket="alice-public")["Contents"]] == ["page.html"]
    assert bob.get_object(Bucket="alice-public", Key="page.html")["Body"].read() == b"<p>hi</p>"
    assert _code(lambda: anonymous.put_object(Bucket="alice-public", Key="x", Body=b"x")) == (403, "AccessDenied")
    assert _code(lambda: bob.delete_object(Bucket="alice-public", Key="page.html")) == (403, "AccessDenied")
    grants = alice.get_bucket_acl(Bucket="alice-public")["Grants"]
    assert {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "Permission": "READ",
    } in grants
    alice.put_bucket_acl(Bucket="alice-public", ACL="private")
    assert _code(lambda: anonymous.list_objects_v2(Bucket="alice-public")) == (403, "AccessDenied")
    alice.put_object_acl(Bucket="alice-public", Key="page.html", ACL="private")
    assert _code(lambda: anonymous.get_object(Bucket="alice-public", Key="page.html")) == (403, "AccessDenied")


def test_bucket_policy_grants_and_denies(clients: tuple[Any, Any, Any]) -> None:
    alice, bob, _ = clients
    alice.create_bucket(Bucket="alice-shared")
    alice.put_object(Bucket="alice-shared", Key="reports/q1", Body=b"q1")
    alice.put_object(Bucket="alice-shared", Key="secret/x", Body=b"x")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["bob"]},
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::alice-shared/*",
            },
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::alice-shared/secret/*",
            },
        ],
    }
    alice.put_bucket_policy(Bucket="alice-shared", Policy=json.dumps(policy))
    assert json.loads(alice.get_bucket_policy(Bucket="alice-shared")["Policy"]) == policy
    assert bob.get_object(Bucket="alice-shared", Key="reports/q1")["Body"].read() == b"q1"
    assert _code(lambda: bob.get_object(Bucket="alice-shared", Key="secret/x")) == (403, "AccessDenied")
    assert _code(lambda: alice.get_object(Bucket="alice-shared", Key="secret/x")) == (403, "AccessDenied")
    assert _code(lambda: bob.list_objects_v2(Bucket="alice-shared")) == (403, "AccessDenied")
    assert _code(lambda: alice.put_bucket_policy(Bucket="alice-shared", Policy="{not json")) == (400, "MalformedPolicy")
    alice.delete_bucket_policy(Bucket="alice-shared")
    assert _code(lambda: alice.get_bucket_policy(Bucket="alice-shared")) == (404, "NoSuchBucketPolicy")
    assert _code(lambda: bob.get_object(Bucket="alice-shared", Key="reports/q1")) == (403, "AccessDenied")


def test_users_file_via_cli(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    users.write_text(json.dumps({"users": [{"name": "carol", "access_key": "AKCAROL", "secret_key": "carol-s"}]}))
    with SubprocessServer(str(tmp_path / "data"), extra_args=("--users", str(users))) as server:
        carol = boto3_client(Endpoint(server.url, "AKCAROL", "carol-s"))
        carol.create_bucket(Bucket="carols")
        primary = boto3_client(server.endpoint)
        assert _code(lambda: primary.list_objects_v2(Bucket="carols")) == (403, "AccessDenied")
        assert [b["Name"] for b in carol.list_buckets()["Buckets"]] == ["carols"]
    carol_id = "c" * 64
    users.write_text(
        json.dumps(
            {
                "users": [
                    {
                        "name": "carol",
                        "access_key": "AKCAROL",
                        "secret_key": "carol-s",
                        "display_name": "Carol C.",
                        "email": "carol@example.com",
                        "canonical_id": carol_id,
                    },
                    {"name": "dave", "access_key": "AKDAVE", "secret_key": "dave-s"},
                ]
            }
        )
    )
    with SubprocessServer(str(tmp_path / "data"), extra_args=("--users", str(users))) as server:
        carol = boto3_client(Endpoint(server.url, "AKCAROL", "carol-s"))
        dave = boto3_client(Endpoint(server.url, "AKDAVE", "dave-s"))
        assert carol.list_buckets()["Owner"] == {"ID": carol_id, "DisplayName": "Carol C."}
        acl = carol.get_bucket_acl(Bucket="carols")
        assert acl["Owner"] == {"ID": carol_id, "DisplayName": "Carol C."}
        dave_id = dave.list_buckets()["Owner"]["ID"]
        assert len(dave_id) == 64 and dave_id != carol_id
        carol.put_bucket_acl(
            Bucket="carols", GrantFullControl='emailAddress="carol@example.com"', GrantRead=f'id="{dave_id}"'
        )
        assert dave.list_objects_v2(Bucket="carols")["KeyCount"] == 0
        assert _code(lambda: carol.put_bucket_acl(Bucket="carols", GrantRead='emailAddress="nobody@example.com"')) == (
            400,
            "UnresolvableGrantByEmailAddress",
        )
    # The generated id is the same on the next start (kept without being stored).
    with SubprocessServer(str(tmp_path / "data"), extra_args=("--users", str(users))) as server:
        dave = boto3_client(Endpoint(server.url, "AKDAVE", "dave-s"))
        assert dave.list_buckets()["Owner"]["ID"] == dave_id
    bad_id = {"name": "x", "access_key": "AKX", "secret_key": "s", "canonical_id": "12"}
    users.write_text(json.dumps({"users": [bad_id]}))
    result = subprocess.run(
        [sys.executable, "-m", "cargobay", "serve", str(tmp_path / "d3"), "--users", str(users), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "canonical_id" in result.stderr and "Traceback" not in result.stderr
    users.write_text("{broken")
    result = subprocess.run(
        [sys.executable, "-m", "cargobay", "serve", str(tmp_path / "d2"), "--users", str(users), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not valid JSON" in result.stderr and "Traceback" not in result.stderr


def test_explicit_grants_are_kept_not_dropped(clients: tuple[Any, Any, Any]) -> None:
    """Grants by header and by document are kept and enforced; both a canned ACL and grants in one
    request is InvalidRequest (API_PutBucketAcl.html)."""
    alice, _, anonymous = clients
    everyone = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
    alice.create_bucket(Bucket="alice-granted", GrantRead=everyone)
    assert anonymous.list_objects_v2(Bucket="alice-granted")["KeyCount"] == 0
    alice.create_bucket(Bucket="alice-grants")
    alice.put_object(Bucket="alice-grants", Key="k", Body=b"k")
    assert _code(lambda: anonymous.list_objects_v2(Bucket="alice-grants")) == (403, "AccessDenied")
    alice.put_bucket_acl(Bucket="alice-grants", GrantRead=everyone)
    assert anonymous.list_objects_v2(Bucket="alice-grants")["KeyCount"] == 1
    assert _code(lambda: alice.put_bucket_acl(Bucket="alice-grants", ACL="public-read", GrantRead=everyone)) == (
        400,
        "InvalidRequest",
    )
    owner = alice.get_bucket_acl(Bucket="alice-grants")["Owner"]
    document = {
        "Owner": owner,
        "Grants": [{"Grantee": {"Type": "Group", "URI": everyone.split('"')[1]}, "Permission": "WRITE"}],
    }
    alice.put_bucket_acl(Bucket="alice-grants", AccessControlPolicy=document)
    assert _code(lambda: anonymous.list_objects_v2(Bucket="alice-grants")) == (403, "AccessDenied")
    anonymous.put_object(Bucket="alice-grants", Key="dropped", Body=b"d")
    assert _code(lambda: anonymous.get_object(Bucket="alice-grants", Key="k")) == (403, "AccessDenied")
    assert _code(lambda: alice.put_bucket_acl(Bucket="alice-grants", ACL="bogus")) == (400, "InvalidArgument")


def test_a_bucket_removed_behind_the_servers_back_is_no_such_bucket_to_everyone(
    server: InProcessServer, clients: tuple[Any, Any, Any]
) -> None:
    """The access check does not look at the disk again for a bucket whose settings it has read
    (the lstat cost a PUT 13-15% of its CPU), so a bucket whose directory is removed out of band
    must still be answered as missing: NoSuchBucket (AWS answers a missing bucket so to every
    caller, API_Operations: NoSuchBucket "The specified bucket does not exist"), never a refusal
    made from the settings it had before."""
    alice, bob, _ = clients
    alice.create_bucket(Bucket="alice-vanishing")
    alice.put_object(Bucket="alice-vanishing", Key="k", Body=b"x")
    denied = (403, "AccessDenied")
    # Both callers' checks have read the bucket's settings (a refusal for bob).
    assert _code(lambda: bob.put_object(Bucket="alice-vanishing", Key="x", Body=b"x")) == denied
    assert _code(lambda: bob.head_object(Bucket="alice-vanishing", Key="k")) == (403, "403")
    assert alice.head_object(Bucket="alice-vanishing", Key="k")["ContentLength"] == 1
    shutil.rmtree(os.path.join(server.root, "alice-vanishing"))
    missing = (404, "NoSuchBucket")
    assert _code(lambda: alice.put_object(Bucket="alice-vanishing", Key="y", Body=b"y")) == missing
    assert _code(lambda: bob.put_object(Bucket="alice-vanishing", Key="x", Body=b"x")) == missing
    assert _code(lambda: bob.get_object(Bucket="alice-vanishing", Key="k")) == missing
    assert _code(lambda: bob.list_objects_v2(Bucket="alice-vanishing")) == missing
    assert (
        _code(lambda: bob.delete_objects(Bucket="alice-vanishing", Delete={"Objects": [{"Key": "k"}], "Quiet": True}))
        == missing
    )
    assert (
        _code(
            lambda: alice.put_object(Bucket="alice-vanishing", Key="y", Body=b"y", ExpectedBucketOwner="000000000000")
        )
        == missing
    )
    assert not os.path.exists(os.path.join(server.root, "alice-vanishing"))  # nothing made it again


def test_a_bucket_replaced_by_a_symlink_behind_the_servers_back_serves_nothing_through_it(
    server: InProcessServer, clients: tuple[Any, Any, Any], tmp_path: Path
) -> None:
    """Only a real directory is a bucket. Its settings being cached (the access check then skips
    its lstat) must not let a read or a write go through a symlink put in its place."""
    alice, _, _ = clients
    alice.create_bucket(Bucket="alice-swapped")
    alice.put_object(Bucket="alice-swapped", Key="k", Body=b"x")
    assert alice.get_object(Bucket="alice-swapped", Key="k")["Body"].read() == b"x"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"not an object")
    shutil.rmtree(os.path.join(server.root, "alice-swapped"))
    os.symlink(outside, os.path.join(server.root, "alice-swapped"))
    missing = (404, "NoSuchBucket")
    assert _code(lambda: alice.get_object(Bucket="alice-swapped", Key="secret")) == missing
    assert _code(lambda: alice.head_object(Bucket="alice-swapped", Key="secret")) == (404, "404")
    assert _code(lambda: alice.put_object(Bucket="alice-swapped", Key="new", Body=b"y")) == missing
    assert _code(lambda: alice.list_objects_v2(Bucket="alice-swapped")) == missing
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
