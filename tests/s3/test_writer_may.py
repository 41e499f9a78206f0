"""What a write may set beside its bytes (s3/access.py ``writer_may``), decided without a server:
the ACL or tags a PutObject carries need their own actions (API_PutObject.html, Permissions), granted
by a policy or, under ACLs, by the bucket ACL that lets the caller write (acl-overview.html)."""

from __future__ import annotations

import json

import pytest

from cargobay.s3 import access, policy
from cargobay.s3 import acl as acls

OWNER, ALT = "a" * 64, "b" * 64
ALICE = access.Principal(access_key="AKALICE", user="alice", canonical_id=ALT)
EXTRAS = ("s3:PutObjectAcl", "s3:PutObjectTagging")


def _settings(
    *, statements: tuple[dict[str, object], ...] = (), acl: acls.Acl = (), ownership: str | None = None
) -> access.BucketSettings:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return access.BucketSettings(
        owner="owner",
        owner_id=OWNER,
        acl=acls.owner_only(OWNER) + tuple(acl),
        ownership=ownership,
        policy=policy.parse(text, bucket="bkt") if statements else (),
    )


def _statement(effect: str, actions: list[str]) -> dict[str, object]:
    return {"Effect": effect, "Principal": {"CanonicalUser": ALT}, "Action": actions, "Resource": "arn:aws:s3:::bkt/*"}


WRITE_TO_ALT = (acls.Grant("user", ALT, "WRITE"),)


@pytest.mark.parametrize("action", EXTRAS)
@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (_settings(), False),  # nothing grants anything
        (_settings(statements=(_statement("Allow", ["s3:PutObject"]),)), False),  # PutObject alone is not enough
        (_settings(statements=(_statement("Allow", ["s3:PutObject", *EXTRAS]),)), True),
        (_settings(acl=WRITE_TO_ALT), True),  # the bucket ACL's writer owns what it writes
        (_settings(acl=WRITE_TO_ALT, ownership="BucketOwnerEnforced"), False),  # ACLs disabled count for nothing
        (_settings(acl=WRITE_TO_ALT, statements=(_statement("Deny", list(EXTRAS)),)), False),  # a Deny wins
    ],
)
def test_writer_may(action: str, settings: access.BucketSettings, expected: bool) -> None:
    assert access.writer_may(ALICE, action, bucket="bkt", key="k", settings=settings) is expected


def test_the_bucket_owner_may_always_unless_denied() -> None:
    owner = access.Principal(access_key="AKOWNER", user="owner", canonical_id=OWNER)
    assert access.writer_may(owner, "s3:PutObjectTagging", bucket="bkt", key="k", settings=_settings())
    denied = _settings(statements=({**_statement("Deny", ["s3:PutObjectTagging"]), "Principal": "*"},))
    assert not access.writer_may(owner, "s3:PutObjectTagging", bucket="bkt", key="k", settings=denied)
