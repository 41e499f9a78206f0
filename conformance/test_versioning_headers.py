"""Re-export of the versioning headers family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_versioning_headers import *  # noqa: F403
