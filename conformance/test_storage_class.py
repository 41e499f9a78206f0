"""Re-export of the storage_class family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_storage_class import *  # noqa: F403
