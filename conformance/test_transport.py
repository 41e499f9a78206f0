"""Re-export of the transport family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_transport import *  # noqa: F403
