"""Re-export of the versioning family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_versioning_states import *  # noqa: F403
