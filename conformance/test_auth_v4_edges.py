"""Re-export of the auth family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_auth_v4_edges import *  # noqa: F403
