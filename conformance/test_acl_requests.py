"""Re-export of the ACL requests family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_acl_requests import *  # noqa: F403
