"""Re-export of the aws_chunked family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_aws_chunked import *  # noqa: F403
