"""Re-export of the logging family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_logging import *  # noqa: F403
