"""Re-export of the multipart family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_multipart_edges import *  # noqa: F403
