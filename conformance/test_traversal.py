"""Re-export of the traversal family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_traversal import *  # noqa: F403
