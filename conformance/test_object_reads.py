"""Re-export of the object-read family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_object_reads import *  # noqa: F403
