"""The bucket owner and objects another account owns (s3/access.py ``is_allowed``, step 2),
decided without a server: with ACLs enabled the bucket owner "does not have permissions on the
objects owned by another account" beyond deny, delete and archive
(userguide/access-management.html, Identities), so the object's ACL decides its reads and ACL
operations; with BucketOwnerEnforced the bucket owner owns everything."""

from __future__ import annotations

import functools
import json
from dataclasses import replace

import pytest

from cargobay.s3 import access, policy
from cargobay.s3 import acl as acls
from cargobay.s3.identity import ANONYMOUS

OWNER, ALT = "a" * 64, "b" * 64
BUCKET_OWNER = access.Principal(access_key="AKOWNER", user="owner", canonical_id=OWNER)
READS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:PutObjectAcl", "s3:GetObjectAttributes")


def _settings(ownership: str | None = None) -> access.BucketSettings:
    return access.BucketSettings(owner="owner", owner_id=OWNER, acl=acls.owner_only(OWNER), ownership=ownership)


def _decide(action: str, obj: access.ObjectAcl | None, settings: access.BucketSettings | None = None) -> bool:
    return access.is_allowed(BUCKET_OWNER, action, bucket="bkt", key="k", settings=settings or _settings(), obj=obj)


@pytest.mark.parametrize("action", READS)
def test_an_object_another_account_owns_privately_is_refused_to_the_bucket_owner(action: str) -> None:
    assert not _decide(action, access.ObjectAcl(ALT, acls.owner_only(ALT)))


@pytest.mark.parametrize(
    ("permission", "allowed"),
    [("READ", ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes")), ("FULL_CONTROL", READS)],
)
def test_the_object_acl_grants_the_bucket_owner_what_it_names(permission: str, allowed: tuple[str, ...]) -> None:
    obj = access.ObjectAcl(ALT, (*acls.owner_only(ALT), acls.Grant("user", OWNER, permission)))
    assert {a for a in READS if _decide(a, obj)} == set(allowed)


@pytest.mark.parametrize("action", [*READS, "s3:DeleteObject", "s3:DeleteObjectVersion"])
def test_the_bucket_owner_keeps_every_right_on_its_own_anonymous_and_enforced_objects(action: str) -> None:
    assert _decide(action, access.ObjectAcl(OWNER, acls.owner_only(OWNER)))
    assert _decide(action, access.ObjectAcl(ANONYMOUS.canonical_id, acls.owner_only(ANONYMOUS.canonical_id)))
    foreign = access.ObjectAcl(ALT, acls.owner_only(ALT))
    assert _decide(action, foreign, _settings("BucketOwnerEnforced"))  # ACLs disabled: the bucket owner owns all


@pytest.mark.parametrize("action", ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"])
def test_the_bucket_owner_deletes_and_overwrites_objects_another_account_owns(action: str) -> None:
    assert _decide(action, access.ObjectAcl(ALT, acls.owner_only(ALT)))


def _allow_everyone(action: str) -> access.BucketSettings:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": action, "Resource": "arn:aws:s3:::bkt/*"}],
        }
    )
    return replace(_settings(), policy=policy.parse(text, bucket="bkt"))


def test_the_bucket_policy_grants_nothing_on_an_object_another_account_owns() -> None:
    """bucket-policies.html: the policy's permissions "don't apply to objects that are owned by
    other AWS accounts"; the object's ACL decides (here: private to its owner)."""
    stranger = access.Principal(access_key="AKCAROL", user="carol", canonical_id="c" * 64)
    settings = _allow_everyone("s3:GetObject")
    mine = access.ObjectAcl(OWNER, acls.owner_only(OWNER))
    theirs = access.ObjectAcl(ALT, acls.owner_only(ALT))
    decide = functools.partial(access.is_allowed, stranger, "s3:GetObject", bucket="bkt", key="k", settings=settings)
    assert decide(obj=mine)
    assert not decide(obj=theirs)
    shared = access.ObjectAcl(ALT, (*acls.owner_only(ALT), acls.Grant("user", "c" * 64, "READ")))
    assert decide(obj=shared)  # the object's owner granted it
    enforced = replace(settings, ownership="BucketOwnerEnforced")  # the bucket owner owns every object
    assert access.is_allowed(stranger, "s3:GetObject", bucket="bkt", key="k", settings=enforced, obj=theirs)


CAROL = access.Principal(access_key="AKCAROL", user="carol", canonical_id="c" * 64)
OBJECT_OWNER = access.Principal(access_key="AKALT", user="alt", canonical_id=ALT)
UNGRANTABLE = (
    "s3:PutObjectTagging",
    "s3:GetObjectTagging",
    "s3:DeleteObjectTagging",
    "s3:GetObjectVersionTagging",
    "s3:PutObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:BypassGovernanceRetention",
)


@pytest.mark.parametrize("action", UNGRANTABLE)
def test_actions_no_acl_can_grant_on_a_foreign_object_are_its_owners_only(action: str) -> None:
    """Tagging, retention, legal hold: a policy allowing everyone reaches the bucket owner's object
    only; on another account's object only that account may (access-control-auth-workflow-
    object-operation.html: "The requester must have permissions from the object owner")."""
    settings = _allow_everyone(action)
    theirs = access.ObjectAcl(ALT, (*acls.owner_only(ALT), acls.Grant("user", "c" * 64, "FULL_CONTROL")))
    mine = access.ObjectAcl(OWNER, acls.owner_only(OWNER))

    def decide(who: access.Principal, obj: access.ObjectAcl, on: access.BucketSettings = settings) -> bool:
        return access.is_allowed(who, action, bucket="bkt", key="k", settings=on, obj=obj)

    assert decide(CAROL, mine)
    assert not decide(CAROL, theirs)  # not the policy, not even FULL_CONTROL in the object's ACL
    assert not decide(BUCKET_OWNER, theirs)
    assert decide(OBJECT_OWNER, theirs, _settings())  # no policy needed for its own object
    assert decide(CAROL, theirs, replace(settings, ownership="BucketOwnerEnforced"))  # the bucket owner owns all


@pytest.mark.parametrize("action", ["s3:DeleteObject", "s3:DeleteObjectVersion"])
def test_deleting_a_foreign_object_is_the_bucket_owners_right_not_the_policys(action: str) -> None:
    settings = _allow_everyone(action)
    theirs = access.ObjectAcl(ALT, acls.owner_only(ALT))

    def decide(who: access.Principal, on: access.BucketSettings = settings) -> bool:
        return access.is_allowed(who, action, bucket="bkt", key="k", settings=on, obj=theirs)

    assert not decide(CAROL)
    assert decide(BUCKET_OWNER, _settings())
    assert decide(OBJECT_OWNER)  # its owner, by the bucket's grant
    assert not decide(OBJECT_OWNER, _settings())  # ... and not without one (acl-overview.html: WRITE)
    writable = replace(_settings(), acl=(*acls.owner_only(OWNER), acls.Grant("user", "c" * 64, "WRITE")))
    # The bucket's ACL WRITE still lets a grantee delete the object, not a version (access.OWN_VERSION_ACTIONS).
    assert decide(CAROL, writable) == (action == "s3:DeleteObject")
    alt_writes = replace(_settings(), acl=(*acls.owner_only(OWNER), acls.Grant("user", ALT, "WRITE")))
    assert decide(OBJECT_OWNER, alt_writes)  # its owner, by the bucket's ACL WRITE


@pytest.mark.parametrize("action", ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"])
def test_bucket_write_grant_deletes_versions_only_of_the_callers_own_objects(action: str) -> None:
    """acl-overview.html, mapping: WRITE allows s3:DeleteObjectVersion "when the grantee is the bucket
    owner": a grantee deletes a version of its own object, not of the bucket owner's. Writing over and
    deleting the current object stay WRITE's whoever owns it (see access.OWN_VERSION_ACTIONS)."""
    writable = replace(_settings(), acl=(*acls.owner_only(OWNER), acls.Grant("user", "c" * 64, "WRITE")))

    def decide(obj: access.ObjectAcl | None) -> bool:
        return access.is_allowed(CAROL, action, bucket="bkt", key="k", settings=writable, obj=obj)

    assert decide(None)
    assert decide(access.ObjectAcl("c" * 64, acls.owner_only("c" * 64)))
    assert decide(access.ObjectAcl(OWNER, acls.owner_only(OWNER))) == (action != "s3:DeleteObjectVersion")
    assert access.is_allowed(
        BUCKET_OWNER, action, bucket="bkt", key="k", settings=writable, obj=access.ObjectAcl(OWNER, ())
    )


@pytest.mark.parametrize("action", ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"])
def test_an_upload_is_stopped_and_listed_by_its_initiator_not_by_acl_grants(action: str) -> None:
    """mpuoverview.html: by default the bucket owner and the initiator may stop an upload and list its
    parts; no ACL permission maps to either (acl-overview.html), so even FULL_CONTROL on the bucket
    gives a third account neither. A policy Deny refuses the initiator too."""
    full = replace(_settings(), acl=(*acls.owner_only(OWNER), acls.Grant("user", "c" * 64, "FULL_CONTROL")))

    def decide(who: access.Principal, *, initiator: bool, on: access.BucketSettings = full) -> bool:
        return access.is_allowed(who, action, bucket="bkt", key="k", settings=on, initiator=initiator)

    assert not decide(CAROL, initiator=False)
    assert decide(CAROL, initiator=True)
    assert decide(BUCKET_OWNER, initiator=False)
    deny = policy.parse(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Principal": "*", "Action": action, "Resource": "arn:aws:s3:::bkt/*"}],
            }
        ),
        bucket="bkt",
    )
    assert not decide(CAROL, initiator=True, on=replace(full, policy=deny))


def test_an_object_written_with_the_anonymous_users_old_id_is_the_anonymous_users() -> None:
    """Objects written unsigned before cargobay took AWS's id for the anonymous user
    (65a011a29cdf8ec533ec3d1ccaae921c, access-control-overview.html) name a derived id: they read as
    the anonymous user's, so an unsigned caller still owns them and they are not another account's."""
    from cargobay.s3.http.access import object_acl_of
    from cargobay.s3.identity import LEGACY_ANONYMOUS_ID, Directory, current_id
    from cargobay.s3.store.base import ObjectInfo, ObjectMeta

    assert ANONYMOUS.canonical_id == "65a011a29cdf8ec533ec3d1ccaae921c"
    assert current_id(LEGACY_ANONYMOUS_ID) == ANONYMOUS.canonical_id
    assert Directory([]).by_id(LEGACY_ANONYMOUS_ID) is ANONYMOUS
    meta = ObjectMeta(owner=LEGACY_ANONYMOUS_ID, acl=(("user", LEGACY_ANONYMOUS_ID, "FULL_CONTROL"),))
    obj = object_acl_of(ObjectInfo("bkt", "k", 0, "e", 0, meta), _settings())
    assert obj == access.ObjectAcl(
        ANONYMOUS.canonical_id, (acls.Grant("user", ANONYMOUS.canonical_id, "FULL_CONTROL"),)
    )
    unsigned = access.Principal(None, None, ANONYMOUS.canonical_id)
    assert access.owns(unsigned, obj)
    assert not access.owned_by_another(obj.owner_id, _settings())
