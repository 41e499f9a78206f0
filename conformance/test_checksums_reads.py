"""Re-export of the checksums-on-read family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_checksums_reads import *  # noqa: F403
