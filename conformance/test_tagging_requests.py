"""Re-export of the tagging family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_tagging_requests import *  # noqa: F403
