"""Re-export of the conditional family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_conditional import *  # noqa: F403
