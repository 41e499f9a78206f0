"""Re-export of the versioning family, version ids (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_versioning_version_ids import *  # noqa: F403
