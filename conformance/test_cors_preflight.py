"""Re-export of the cors family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_cors_preflight import *  # noqa: F403
