"""Re-export of the bucket-rules family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_buckets_rules import *  # noqa: F403
