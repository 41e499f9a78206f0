"""Re-export of the objects family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_objects_headers import *  # noqa: F403
