"""Re-export of the encryption family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_encryption import *  # noqa: F403
