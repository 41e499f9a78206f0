"""Re-export of the request-level tests (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_requests import *  # noqa: F403
