"""Re-export of the buckets family (ListBuckets edges) (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_buckets_listing import *  # noqa: F403
