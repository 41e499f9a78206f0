"""Re-export of the public_access_block family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_public_access_block_acls import *  # noqa: F403
