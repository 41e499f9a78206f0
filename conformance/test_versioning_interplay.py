"""Re-export of the versioning family, third pass (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_versioning_interplay import *  # noqa: F403
