"""Re-export of the public access block family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_policy_public import *  # noqa: F403
