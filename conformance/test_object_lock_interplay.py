"""Re-export of the object_lock family, third pass (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_object_lock_interplay import *  # noqa: F403
