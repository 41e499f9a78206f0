"""Re-export of the lifecycle family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_lifecycle_documents import *  # noqa: F403
