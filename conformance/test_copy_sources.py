"""Re-export of the copy-source decoding and carry-over tests of CopyObject and UploadPartCopy (the tests live
in the package's suite)."""

from cargobay.testing.conformance_suite.test_copy_sources import *  # noqa: F403
