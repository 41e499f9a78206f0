"""Re-export of the object lock requests family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_object_lock_requests import *  # noqa: F403
