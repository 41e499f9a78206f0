"""Re-export of the clients family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_clients import *  # noqa: F403
