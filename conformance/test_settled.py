"""Re-export of the settled family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_settled import *  # noqa: F403
