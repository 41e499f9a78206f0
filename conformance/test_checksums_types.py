"""Re-export of the checksums family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_checksums_types import *  # noqa: F403
