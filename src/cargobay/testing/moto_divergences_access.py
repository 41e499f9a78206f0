"""Where moto 5 differs from AWS on anonymous requests, canned ACLs, grant headers and presigned URLs:
the divergence patterns of the suite's ``test_acl_canned``, ``test_acl_permissions``,
``test_public_access_block_acls`` and ``test_presigned`` (each seen failing against moto, and passing
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
_NO_QUERY_AUTH = (
    f"moto does not verify presigned URLs (expiry, signature, signed headers, signer's rights); AWS "
    f"refuses them ({_API}sigv4-query-string-auth.html, {_GUIDE}RESTAuthentication.html)"
)
_GRANTS_MERGED = (
    f"moto's GetBucketAcl of this canned ACL lacks one of its grants (AllUsers or LogDelivery WRITE); "
    f"AWS lists every grant the canned ACL stands for ({_GUIDE}acl-overview.html#canned-acl)"
)

# The anonymous calls of test_acl_canned that moto serves (or refuses without the AccessDenied code).
_PRIVATE_SERVED = (
    "get-object",
    "put-object",
    "delete-object",
    "list-objects",
    "list-objects-v2",
    "list-object-versions",
    "head-bucket",
    "get-bucket-acl",
    "get-object-acl",
    "put-object-acl",
    "put-bucket-acl",
)
_PUBLIC_READ_SERVED = (
    "get-object",
    "head-object",
    "put-object",
    "delete-object",
    "get-bucket-acl",
    "get-object-acl",
    "put-object-acl",
    "put-bucket-acl",
)

# test_acl_permissions: the (permission, request) pairs where the permission does not cover the
# request, which moto serves anyway.
_BUCKET_REFUSED = {
    "READ": ("put-object", "get-bucket-acl", "put-bucket-acl"),
    "WRITE": ("list-objects", "list-object-versions", "get-bucket-acl", "put-bucket-acl"),
    "READ_ACP": ("list-objects", "list-object-versions", "put-object", "put-bucket-acl"),
    "WRITE_ACP": ("list-objects", "list-object-versions", "put-object", "get-bucket-acl"),
}
_OBJECT_REFUSED = {
    "READ": ("get-object-acl", "put-object-acl", "delete-object"),
    "READ_ACP": ("get-object", "put-object-acl", "delete-object"),
    "WRITE_ACP": ("get-object", "get-object-acl", "delete-object"),
    "FULL_CONTROL": ("delete-object",),
}

MOTO_ACCESS: Mapping[str, str] = {
    # -- test_acl_permissions ---------------------------------------------------------------------
    **{
        f"test_bucket_permission_grants_exactly_its_requests[[]moto-{permission}-{request}]": _NO_ACCESS_CONTROL
        for permission, requests in _BUCKET_REFUSED.items()
        for request in requests
    },
    **{
        f"test_object_permission_grants_exactly_its_requests[[]moto-{permission}-{request}]": _NO_ACCESS_CONTROL
        for permission, requests in _OBJECT_REFUSED.items()
        for request in requests
    },
    "test_write_acp_lets_the_grantee_grant_itself_read*": _NO_ACCESS_CONTROL,
    "test_anonymous_get_bucket_acl_with_read_acp_granted_to_all_users*": _NO_ACCESS_CONTROL,
    "test_bucket_owner_enforced_makes_existing_object_acls_grant_nothing*": (
        f"moto does not enforce ACLs or Object Ownership; AWS: with Bucket owner enforced 'ACLs no longer affect "
        f"permissions' ({_GUIDE}about-object-ownership.html)"
    ),
    # -- test_acl_canned --------------------------------------------------------------------------
    **{
        f"test_anonymous_request_on_a_private_bucket_is_403_access_denied[[]moto-{call}]": _NO_ACCESS_CONTROL
        for call in _PRIVATE_SERVED
    },
    **{
        f"test_anonymous_request_on_a_public_read_bucket[[]moto-{call}]": _NO_ACCESS_CONTROL
        for call in _PUBLIC_READ_SERVED
    },
    "test_anonymous_access_denied_is_an_error_document*": _NO_ACCESS_CONTROL,
    "test_anonymous_put_and_list_on_a_public_read_write_bucket*": _NO_ACCESS_CONTROL,
    "test_anonymous_read_follows_the_acl_of_the_version_it_names*": _NO_ACCESS_CONTROL,
    "test_authenticated_users_is_every_signed_caller_not_anonymous*": _NO_ACCESS_CONTROL,
    "test_public_read_object_is_readable_and_headable_but_its_acl_is_not*": _NO_ACCESS_CONTROL,
    "test_anonymous_list_buckets_and_create_bucket_are_403_access_denied*": _NO_ACCESS_CONTROL,
    "test_bucket_and_object_acls_grant_nothing_beyond_their_permissions*": _NO_ACCESS_CONTROL,
    "test_anonymous_get_object_attributes_follows_the_objects_read_grant*": _NO_ACCESS_CONTROL,
    "test_object_bucket_owner_canned_acl_grants_the_bucket_owner*": (
        f"moto's GetObjectAcl Owner ID is not the ListBuckets Owner ID of the account that wrote the object; "
        f"AWS: the writer owns it, named by one canonical id everywhere, and the canned ACL grants the bucket "
        f"owner READ or FULL_CONTROL ({_GUIDE}acl-overview.html#canned-acl)"
    ),
    "test_put_bucket_acl_canned_acl_expands_to_its_grants[[]moto-public-read-write]": _GRANTS_MERGED,
    "test_put_bucket_acl_canned_acl_expands_to_its_grants[[]moto-log-delivery-write]": _GRANTS_MERGED,
    "test_create_bucket_canned_acl_expands_to_its_grants[[]moto-log-delivery-write]": _GRANTS_MERGED,
    "test_create_bucket_grant_headers_are_its_acl*": (
        f"moto's CreateBucket ignores the x-amz-grant-* headers; AWS makes them the bucket's ACL "
        f"({_API}API_CreateBucket.html)"
    ),
    "test_a_new_write_gets_its_own_acl_not_the_old_objects*": (
        f"moto refuses the anonymous GET with a bare 403 (no AccessDenied error document); AWS answers an "
        f"<Error> document with Code AccessDenied ({_API}ErrorResponses.html)"
    ),
    "test_each_version_keeps_the_acl_it_was_written_with*": (
        f"moto refuses an anonymous GET by version id of a version written public-read; AWS sets permissions "
        f"per version ({_GUIDE}VersionedObjectPermissionsandACLs.html)"
    ),
    "test_create_bucket_again_in_us_east_1_resets_the_bucket_acl*": (
        f"moto answers 200 to re-creating one's own bucket in us-east-1 but keeps its ACL; AWS 'returns 200 OK "
        f"and resets the bucket access control lists' ({_API}API_CreateBucket.html, BucketAlreadyOwnedByYou)"
    ),
    "test_bucket_canned_acl_and_grant_headers_together_is_400_invalid_request*": (
        f"moto takes x-amz-acl and x-amz-grant-* together on a bucket; AWS answers 400 InvalidRequest "
        f"({_API}API_PutBucketAcl.html)"
    ),
    "test_put_bucket_acl_malformed_grant_header_is_400_invalid_argument*": (
        f"moto accepts (or answers 500 to) a grant header naming no grantee; AWS answers 400 InvalidArgument "
        f"({_API}API_PutBucketAcl.html)"
    ),
    # -- test_public_access_block_acls ------------------------------------------------------------
    "test_block_public_acls_refuses_every_request_carrying_a_public_acl*": (
        f"moto does not enforce BlockPublicAcls on requests carrying a public ACL; AWS answers 403 AccessDenied "
        f"({_GUIDE}access-control-block-public-access.html)"
    ),
    "test_ignore_public_acls_ignores_a_public_bucket_acl*": (
        f"moto does not enforce ACLs or IgnorePublicAcls; AWS ignores a public bucket ACL under IgnorePublicAcls "
        f"({_GUIDE}access-control-block-public-access.html)"
    ),
    # -- test_presigned ---------------------------------------------------------------------------
    **{
        f"{name}*": _NO_QUERY_AUTH
        for name in (
            "test_presigned_expired_answer_names_the_expiry_and_the_server_time",
            "test_presigned_put_with_an_unsigned_amz_header_is_403_access_denied",
            "test_presigned_url_carries_only_its_signers_rights",
            "test_presigned_url_used_with_another_method_is_403_signature_does_not_match",
            "test_presigned_url_with_a_parameter_added_after_signing_is_403",
            "test_sigv2_header_auth_rejects",
            "test_sigv2_presigned_rejects",
            "test_sigv2_presigned_url_past_its_expires_is_403_access_denied",
        )
    },
    "test_presigned_put_must_send_the_headers_it_signed[[]moto-other-value]": _NO_QUERY_AUTH,
    "test_presigned_put_must_send_the_headers_it_signed[[]moto-left-out]": _NO_QUERY_AUTH,
}
