"""Re-export of the listing family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_listing import *  # noqa: F403
