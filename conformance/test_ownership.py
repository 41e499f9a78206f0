"""Re-export of the ownership family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_ownership import *  # noqa: F403
