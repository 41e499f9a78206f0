"""Conformance-only fixtures and Hypothesis profiles.

The endpoint fixtures (``s3_endpoint``, ``s3``, ``bucket``, ``new_bucket_name``) come from the
``cargobay_s3`` plugin, loaded by its pytest11 entry point, never by ``pytest_plugins`` here
(pytest rejects that in a non-root conftest). The root ``conformance/conftest.py`` re-exports
this module so both entry points (``pytest conformance`` and ``--pyargs``) see the same fixtures.
"""

from __future__ import annotations

from cargobay.testing.conformance_suite._versions import lock_bucket, versioned_bucket  # noqa: F401  (fixtures)
from cargobay.testing.conformance_suite.fixtures import raw, tls_target  # noqa: F401  (fixtures)
from cargobay.testing.profiles import load_profile

load_profile()
