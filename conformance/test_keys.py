"""Re-export of the keys family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_keys import *  # noqa: F403
