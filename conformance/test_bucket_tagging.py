"""Re-export of the bucket_tagging family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_bucket_tagging import *  # noqa: F403
