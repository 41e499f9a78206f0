"""Re-export of the policy family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_policy_grammar import *  # noqa: F403
