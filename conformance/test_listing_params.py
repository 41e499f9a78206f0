"""Re-export of the listing family's parameter edges (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_listing_params import *  # noqa: F403
