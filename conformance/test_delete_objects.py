"""Re-export of the delete_objects family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_delete_objects import *  # noqa: F403
