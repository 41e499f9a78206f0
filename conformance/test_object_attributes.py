"""Re-export of the object_attributes family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_object_attributes import *  # noqa: F403
