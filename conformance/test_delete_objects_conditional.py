"""Re-export of the delete_objects_conditional family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_delete_objects_conditional import *  # noqa: F403
