from cargobay.testing.conformance_suite.test_request_digests import *  # noqa: F403
