"""Re-export of the buckets family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_buckets_edges import *  # noqa: F403
