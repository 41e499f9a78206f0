"""Re-export of the multipart completion edges (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_multipart_completion import *  # noqa: F403
