"""Re-export of the object_lock family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_object_lock_rules import *  # noqa: F403
