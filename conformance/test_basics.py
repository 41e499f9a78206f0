"""Re-export of the basic tests (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_basics import *  # noqa: F403
