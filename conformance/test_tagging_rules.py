"""Re-export of the tagging rules family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_tagging_rules import *  # noqa: F403
