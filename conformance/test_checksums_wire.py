"""Re-export of the checksums-on-the-wire family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_checksums_wire import *  # noqa: F403
