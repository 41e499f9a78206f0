"""Re-export of the multipart family (listing edges) (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_multipart_listing_edges import *  # noqa: F403
