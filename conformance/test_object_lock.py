"""Re-export of the object lock family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_object_lock import *  # noqa: F403
