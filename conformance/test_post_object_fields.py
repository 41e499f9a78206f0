"""Re-export of the post_object family (the tests live in cargobay.testing.conformance_suite)."""

from cargobay.testing.conformance_suite.test_post_object_fields import *  # noqa: F403
