"""Re-export of the UploadPartCopy edges (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_multipart_copy import *  # noqa: F403
