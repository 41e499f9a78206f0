"""Where moto 5 differs from AWS on ACLs as enforced: the divergence patterns of the suite's
``test_acl_enforced`` and ``test_acl_ownership_switch`` (each seen failing against moto, and passing
against cargobay, on 2026-12-07).

Pure data, part of :data:`cargobay.testing.moto_divergences.MOTO_DIVERGENCES`; the reasons name the
AWS page that says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

_API = "https://docs.aws.amazon.com/AmazonS3/latest/API/"
_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"

_NO_ACCESS_CONTROL = (
    f"moto does not enforce ACLs on requests: an anonymous or second-account request is served whatever "
    f"the bucket and object ACLs grant; AWS answers 403 AccessDenied ({_GUIDE}acl-overview.html)"
)
_WRITE_REPLACES = (
    f"moto lets a caller the bucket's ACL grants WRITE replace or delete any object; AWS: WRITE \"Allows "
    f"grantee to create new objects in the bucket. For the bucket and object owners of existing objects, "
    f'also allows deletions and overwrites of those objects" ({_GUIDE}acl-overview.html, '
    f"{_API}API_PutBucketAcl.html)"
)
_UPLOADS = (
    f"moto lets anyone stop or list the parts of any multipart upload; AWS: by default the bucket owner and "
    f"the upload's initiator ({_GUIDE}mpuoverview.html#mpuAndPermissions)"
)
_OWNER_IDS = (
    f"moto's GetObjectAcl Owner ID of an object a second account wrote is not the ListBuckets Owner ID of "
    f"the account that owns it (and its GetObjectAcl of one such multipart object is a 500); AWS names one "
    f"canonical id per account, the owner per Object Ownership ({_GUIDE}about-object-ownership.html)"
)

_GROUPS = ("all-users", "authenticated-users", "log-delivery")
# The group grants whose every request moto's unenforced ACLs happen to get right (all allowed).
_ALL_ALLOWED = {("all-users", "FULL_CONTROL", "alt"), ("all-users", "FULL_CONTROL", "anonymous")} | {
    ("authenticated-users", "FULL_CONTROL", "alt")
}

MOTO_ACL13: Mapping[str, str] = {
    "test_bucket_write_grantee_does_not_delete_a_version_of_the_owners_object*": _WRITE_REPLACES,
    "test_list_multipart_uploads_is_granted_by_read_on_the_bucket[[]moto-WRITE]": _NO_ACCESS_CONTROL,
    "test_list_multipart_uploads_is_granted_by_read_on_the_bucket[[]moto-READ_ACP]": _NO_ACCESS_CONTROL,
    "test_only_the_initiator_and_the_bucket_owner_stop_or_list_an_upload*": _UPLOADS,
    **{
        f"test_a_group_grant_on_a_bucket_reaches_exactly_its_members[[]moto-{group}-{permission}-{caller}]": (
            _NO_ACCESS_CONTROL
        )
        for group in _GROUPS
        for permission in ("READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL")
        for caller in ("alt", "anonymous")
        if (group, permission, caller) not in _ALL_ALLOWED
    },
    **{
        f"test_a_group_grant_on_an_object_reaches_exactly_its_members[[]moto-{group}-{permission}-{caller}]": (
            _NO_ACCESS_CONTROL
        )
        for group in _GROUPS
        for permission in ("READ", "READ_ACP", "WRITE_ACP", "FULL_CONTROL")
        for caller in ("alt", "anonymous")
        if (group, permission, caller) not in _ALL_ALLOWED
    },
    "test_a_grant_on_one_version_reaches_that_version_only*": _NO_ACCESS_CONTROL,
    "test_who_owns_what_another_account_writes*": _OWNER_IDS,
    "test_the_anonymous_user_owns_what_it_writes*": (
        f'moto names its own account as the owner of an object written by an unsigned request; AWS: "the '
        f'anonymous user owns the object", canonical id 65a011a29cdf8ec533ec3d1ccaae921c '
        f"({_GUIDE}access-control-overview.html)"
    ),
    "test_a_bucket_grant_to_the_anonymous_user_reaches_unsigned_requests_only*": _NO_ACCESS_CONTROL,
    # -- test_acl_ownership_switch --------------------------------------------------------------------
    "test_re_enabling_acls_restores_the_object_acls*": (
        f'moto keeps serving object ACL grants while Object Ownership is BucketOwnerEnforced; AWS: "ACLs no '
        f'longer affect permissions" until they are re-enabled ({_GUIDE}about-object-ownership.html)'
    ),
    "test_objects_written_while_acls_were_off_stay_the_bucket_owners*": _OWNER_IDS,
    "test_bucket_owner_preferred_leaves_the_writer_no_grant*": _OWNER_IDS,
    "test_a_copy_of_a_version_needs_the_read_grant_of_that_version*": _NO_ACCESS_CONTROL,
    "test_put_object_acl_bucket_owner_canned_acl_grants_but_does_not_give_the_object*": _NO_ACCESS_CONTROL,
}
