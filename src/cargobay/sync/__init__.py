"""Sync a tree to and from S3 (or between local directories), sending only what changed.

The public API::

    report = sync("photos", "s3://bucket/photos",
                  s3=S3Settings(endpoint_url="http://127.0.0.1:9000"),
                  options=SyncOptions(delete=True), state_dir="~/.cache/cargobay")
    print(report.summary())

    plan = plan_sync(...)            # the same, without changing anything: plan.render()

Each side is a local directory or ``s3://bucket/prefix``; S3 to S3 copies server-side on one
endpoint. How a change is detected is the docstring of :mod:`cargobay.sync.compare`; how
unchanged local files avoid being hashed again is :mod:`cargobay.sync.state`.

Module map (dependencies point down; nothing here imports ``cargobay.testing``):

* :mod:`.api`       - :func:`sync` and :func:`plan_sync` (the session that opens both sides)
* :mod:`.execute`   - applies a plan: transfers, backups, deletions, retries (never decides)
* :mod:`.plan`      - lists, merges, compares, fetches facts -> :class:`SyncPlan`
* :mod:`.compare`   - pure decision per path
* :mod:`.march`     - lock-step merge of two sorted listings
* :mod:`.endpoints` - what an endpoint offers (required and optional transfers, "can't");
  :mod:`.local` and :mod:`.s3` implement it
* :mod:`.state`     - the hash cache keyed by stat fingerprint (the racy-timestamp rule)
* :mod:`.hashing`, :mod:`.meta` - MD5/multipart ETags of a file; rclone metadata format
* :mod:`.model`     - the values they exchange
* :mod:`.s3`        - the S3 endpoint and its fast paths (a package: listing and small uploads
  without botocore, the listing started early by the command line)
* :mod:`.prefetch`  - a listing run ahead of its consumer in a thread
* :mod:`.s3stream`  - S3 to S3 between two endpoints (a GET streamed into a PUT)

The names below are imported on first use (PEP 562 ``__getattr__``): importing a light
submodule (``cargobay.sync.s3.early``, which the command line uses to start listing before the
rest is imported) does not import the whole package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cargobay._lazy import lazy_exports

if TYPE_CHECKING:
    from cargobay._types import Fingerprint
    from cargobay.sync.api import open_endpoint, plan_sync, sync
    from cargobay.sync.endpoints import Endpoint
    from cargobay.sync.local import LocalDir
    from cargobay.sync.model import Decision, Entry, Failure, SyncAction, SyncOptions, SyncProgress, SyncReport
    from cargobay.sync.plan import PlanItem, SyncPlan
    from cargobay.sync.s3.client import make_client
    from cargobay.sync.s3.endpoint import S3Prefix
    from cargobay.sync.s3.spec import S3Settings
    from cargobay.sync.state import StateCache

__all__ = [
    "Decision",
    "Endpoint",
    "Entry",
    "Failure",
    "Fingerprint",
    "LocalDir",
    "PlanItem",
    "S3Prefix",
    "S3Settings",
    "StateCache",
    "SyncAction",
    "SyncOptions",
    "SyncPlan",
    "SyncProgress",
    "SyncReport",
    "make_client",
    "open_endpoint",
    "plan_sync",
    "sync",
]

# Where each public name is defined.
_SOURCES = {
    "Decision": "cargobay.sync.model",
    "Endpoint": "cargobay.sync.endpoints",
    "Entry": "cargobay.sync.model",
    "Failure": "cargobay.sync.model",
    "Fingerprint": "cargobay._types",
    "LocalDir": "cargobay.sync.local",
    "PlanItem": "cargobay.sync.plan",
    "S3Prefix": "cargobay.sync.s3.endpoint",
    "S3Settings": "cargobay.sync.s3.spec",
    "StateCache": "cargobay.sync.state",
    "SyncAction": "cargobay.sync.model",
    "SyncOptions": "cargobay.sync.model",
    "SyncPlan": "cargobay.sync.plan",
    "SyncProgress": "cargobay.sync.model",
    "SyncReport": "cargobay.sync.model",
    "make_client": "cargobay.sync.s3.client",
    "open_endpoint": "cargobay.sync.api",
    "plan_sync": "cargobay.sync.api",
    "sync": "cargobay.sync.api",
}


__getattr__, __dir__ = lazy_exports(__name__, _SOURCES, globals())
