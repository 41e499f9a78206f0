"""The S3 conformance suite: one test module per operation family, shipped inside the package.

Why here and not only in the repository's ``conformance/`` directory: ``cargobay conformance``
must work from an installed wheel (people choosing an S3 server run it without our source tree),
so the one copy of every test lives in the package. ``conformance/`` at the repository root holds
thin modules that re-export these tests, so ``pytest conformance`` works as the issue asks, and
``pytest --pyargs cargobay.testing.conformance_suite`` runs the same tests from an install.

The fixtures come from the ``cargobay_s3`` pytest plugin (:mod:`cargobay.testing.pytest_plugin`);
the Hypothesis profiles from :mod:`cargobay.testing.profiles`. Expected values are literals from AWS behaviour:
nothing here imports ``cargobay.s3``.
"""

from __future__ import annotations

# Suite modules and the operation family each one covers (the CLI's per-family table).
FAMILIES = {
    "test_basics": "basics",
    "test_buckets": "buckets",
    "test_buckets_rules": "buckets",
    "test_buckets_requests": "buckets",
    "test_objects": "objects",
    "test_objects_edges": "objects",
    "test_keys": "keys",
    "test_listing": "listing",
    "test_listing_params": "listing",
    "test_listing_deep": "listing",
    "test_conditional": "conditional",
    "test_copy": "copy",
    "test_copy_directives": "copy",
    "test_copy_sources": "copy",
    "test_checksums": "checksums",
    "test_checksums_wire": "checksums",
    "test_checksums_reads": "checksums",
    "test_delete_objects": "delete_objects",
    "test_delete_objects_conditional": "delete_objects",
    "test_auth": "auth",
    "test_auth_requests": "auth",
    "test_auth_header_edges": "auth",
    "test_multipart": "multipart",
    "test_multipart_completion": "multipart",
    "test_multipart_copy": "multipart",
    "test_multipart_rules": "multipart",
    "test_multipart_listing": "multipart",
    "test_aws_chunked": "aws_chunked",
    "test_tagging": "tagging",
    "test_tagging_rules": "tagging",
    "test_tagging_requests": "tagging",
    "test_cors": "cors",
    "test_encryption": "encryption",
    "test_transport": "transport",
    "test_requests": "requests",
    "test_versioning": "versioning",
    "test_versioning_headers": "versioning",
    "test_versioning_interplay": "versioning",
    "test_versioning_version_ids": "versioning",
    "test_object_lock": "object_lock",
    "test_object_lock_requests": "object_lock",
    "test_object_lock_interplay": "object_lock",
    "test_object_lock_headers": "object_lock",
    "test_differential": "differential",
    "test_clients": "clients",
    "test_traversal": "traversal",
    "test_acl": "acl",
    "test_acl_requests": "acl",
    "test_acl_canned": "acl",
    "test_acl_permissions": "acl",
    "test_acl_documents": "acl",
    "test_acl_enforced": "acl",
    "test_presigned": "auth",
    "test_request_digests": "objects",
    "test_bucket_tagging": "bucket_tagging",
    "test_lifecycle": "lifecycle",
    "test_lifecycle_expiration": "lifecycle",
    "test_object_attributes": "object_attributes",
    "test_storage_class": "storage_class",
    "test_ownership": "ownership",
    "test_policy": "policy",
    "test_policy_foreign_objects": "policy",
    "test_policy_validation": "policy",
    "test_policy_conditions": "policy",
    "test_policy_requests": "policy",
    "test_policy_public": "public_access_block",
    "test_public_access_block": "public_access_block",
    "test_settled": "settled",
    "test_public_access_block_acls": "public_access_block",
    "test_post_object": "post_object",
    "test_post_object_policy": "post_object",
}
