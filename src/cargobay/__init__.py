"""cargobay: move file trees between disks and S3 faithfully, fast, and with proof.

The four parts are importable on their own: ``cargobay.copy``, ``cargobay.s3``,
``cargobay.select`` / ``cargobay.sync`` and the suites in ``cargobay.testing``.
"""

from __future__ import annotations

from cargobay.errors import CargobayError, CopyError, RuleSyntaxError, SyncError, UsageError

__version__ = "0.1.0"

__all__ = [
    "CargobayError",
    "CopyError",
    "RuleSyntaxError",
    "SyncError",
    "UsageError",
    "__version__",
]
