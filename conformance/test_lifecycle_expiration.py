"""Re-export of the lifecycle family's x-amz-expiration tests (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_lifecycle_expiration import *  # noqa: F403
