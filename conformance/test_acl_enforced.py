"""Re-export of the acl family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_acl_enforced import *  # noqa: F403
