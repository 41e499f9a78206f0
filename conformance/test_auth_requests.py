"""Re-export of the request-level auth tests (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_auth_requests import *  # noqa: F403
