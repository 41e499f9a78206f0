"""Re-export of the differential family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_differential import *  # noqa: F403
