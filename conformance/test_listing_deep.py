"""Re-export of the listing family (deeper pass) (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_listing_deep import *  # noqa: F403
