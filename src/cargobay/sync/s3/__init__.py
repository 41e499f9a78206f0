"""The S3 side of a sync: the endpoint, its botocore client, and the fast paths that skip botocore.

Module map (dependencies point down):

* :mod:`.endpoint` - :class:`S3Prefix`, the S3 endpoint (listing, HEAD, upload, GET, copies, deletes)
* :mod:`.client`   - the botocore client, made on first use; the listing target read back from it
* :mod:`.early`    - a listing started by the command line before the sync is imported
* :mod:`.put`      - single-request uploads signed without botocore
* :mod:`.listing`  - ``ListObjectsV2`` pages signed and parsed without botocore
* :mod:`.spec`     - :class:`S3Settings`, ``s3://`` parsing, when the botocore-free paths apply

The names below are imported on first use (PEP 562 ``__getattr__``), as in :mod:`cargobay.sync`:
the command line imports :mod:`.early` and :mod:`.spec` before anything heavy, and importing
this package must not import the endpoint (the selection rules, the sync model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cargobay._lazy import lazy_exports

if TYPE_CHECKING:
    from cargobay.sync.s3.client import LazyClient, listing_hint, make_client, real_client, spec_from_client
    from cargobay.sync.s3.endpoint import S3Prefix
    from cargobay.sync.s3.spec import ListingSpec, S3Settings, listing_spec, parse_s3_url

__all__ = [
    "LazyClient",
    "ListingSpec",
    "S3Prefix",
    "S3Settings",
    "listing_hint",
    "listing_spec",
    "make_client",
    "parse_s3_url",
    "real_client",
    "spec_from_client",
]

_SOURCES = {
    "LazyClient": "cargobay.sync.s3.client",
    "listing_hint": "cargobay.sync.s3.client",
    "make_client": "cargobay.sync.s3.client",
    "real_client": "cargobay.sync.s3.client",
    "spec_from_client": "cargobay.sync.s3.client",
    "S3Prefix": "cargobay.sync.s3.endpoint",
    "ListingSpec": "cargobay.sync.s3.spec",
    "S3Settings": "cargobay.sync.s3.spec",
    "listing_spec": "cargobay.sync.s3.spec",
    "parse_s3_url": "cargobay.sync.s3.spec",
}


__getattr__, __dir__ = lazy_exports(__name__, _SOURCES, globals())
