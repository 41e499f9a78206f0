"""Re-export of the listing family (fourth pass: edges) (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_listing_edges import *  # noqa: F403
