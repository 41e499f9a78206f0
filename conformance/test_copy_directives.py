"""Re-export of the CopyObject directive and copy-source edges (the tests live in the package's suite)."""

from cargobay.testing.conformance_suite.test_copy_directives import *  # noqa: F403
