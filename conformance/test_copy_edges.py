"""Re-export of the copy family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_copy_edges import *  # noqa: F403
