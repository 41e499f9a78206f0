"""Re-export of the configuration_documents family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_configuration_documents import *  # noqa: F403
