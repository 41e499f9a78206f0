"""Where and as whom an S3 prefix is listed without botocore, resolved from settings and the environment.

This module owns :class:`S3Settings` (how to reach S3), ``s3://`` location parsing, and
:func:`listing_spec`: the decision whether the botocore-free listing of
:mod:`cargobay.sync.s3.listing` may be used, and with which endpoint, region and credentials. It is
kept apart from :mod:`cargobay.sync.s3` (the endpoint, which imports the selection rules and
the sync model) and imports only light modules, so that the command line can start listing
before the rest of the sync is imported (:mod:`cargobay.sync.prefetch`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from cargobay.errors import UsageError
from cargobay.sync.s3.listing import ListingClient

if TYPE_CHECKING:
    from cargobay.s3.signing import Credentials

__all__ = ["ListingSpec", "S3Settings", "listing_spec", "parse_s3_url"]

# Environment that changes how botocore reaches an endpoint; with any of it set, the listing
# takes its endpoint, region and credentials from a botocore client instead of guessing.
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
_CONFIG_KEYS_UNDERSTOOD = frozenset({"region", "output"})

# Named tuples, not frozen dataclasses: the same immutable, hashable values, without the ~1 ms a
# dataclass costs to define at import (these are imported by every sync before it lists).


class S3Settings(NamedTuple):
    """How to reach S3. ``endpoint_url=None`` means AWS; keys ``None`` mean boto3's credential chain."""

    endpoint_url: str | None = None
    profile: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    addressing_style: str | None = None  # "path" / "virtual"; default: path for a custom endpoint
    max_attempts: int = 5


class ListingSpec(NamedTuple):
    """Where and as whom the listing is fetched (see :mod:`cargobay.sync.s3.listing`)."""

    endpoint_url: str | None
    region: str
    credentials: Callable[[], Credentials]
    addressing_style: str | None = None
    ca_bundle: str | None = None

    def open(self) -> ListingClient:
        return ListingClient(
            endpoint_url=self.endpoint_url,
            credentials=self.credentials,
            region=self.region,
            addressing_style=self.addressing_style,
            ca_bundle=self.ca_bundle,
        )


def _config_region(environ: Mapping[str, str]) -> tuple[bool, str | None]:
    """``(understood, region)`` from the default profile of the shared config file.

    Not understood (botocore must read it) when the file has anything for the default profile
    beyond ``region`` and ``output`` - an endpoint, a CA bundle, S3 settings, SSO.
    """
    path = os.path.expanduser(environ.get("AWS_CONFIG_FILE") or os.path.join("~", ".aws", "config"))
    if not os.path.exists(path):
        return True, None
    import configparser  # only when there is a file to read (import: 1 ms)

    parser = configparser.RawConfigParser()
    try:
        parser.read(path)
    except (configparser.Error, OSError, UnicodeDecodeError):
        return False, None
    if not parser.has_section("default"):
        return True, None
    keys = set(parser.options("default"))
    if not keys <= _CONFIG_KEYS_UNDERSTOOD:
        return False, None
    return True, parser.get("default", "region", fallback=None) or None


def _fixed(access_key: str, secret_key: str, token: str | None) -> Callable[[], Credentials]:
    """Credentials that never change, made on first use (the signing module is imported by the
    first request, not by a process that only starts a listing in a forked child)."""
    made: list[Credentials] = []

    def credentials() -> Credentials:
        if not made:
            from cargobay.s3.signing import Credentials

            made.append(Credentials(access_key, secret_key, token))
        return made[0]

    return credentials


def listing_spec(settings: S3Settings, *, environ: Mapping[str, str]) -> ListingSpec | None:
    """The listing target resolved without botocore, or ``None`` when only botocore can resolve it.

    Resolved here only in the plain case: a custom endpoint (``--endpoint``), keys given
    explicitly or in ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (with ``AWS_SESSION_TOKEN``)
    and no profile - the first link of botocore's credential chain, so the same keys botocore
    would pick - and a region from the settings, ``AWS_DEFAULT_REGION``, or a shared config file
    whose default profile sets nothing else; ``AWS_CA_BUNDLE`` is honoured for https. Proxies,
    profiles, AWS itself (endpoint resolution, FIPS, dual-stack) are left to botocore: the spec
    is then taken from the client.
    """
    if not settings.endpoint_url or any(environ.get(name) for name in _PROXY_ENV):
        return None
    if settings.access_key and settings.secret_key:
        creds = _fixed(settings.access_key, settings.secret_key, None)
    elif settings.profile or environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE"):
        return None
    elif environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        token = environ.get("AWS_SESSION_TOKEN") or environ.get("AWS_SECURITY_TOKEN") or None
        creds = _fixed(environ["AWS_ACCESS_KEY_ID"], environ["AWS_SECRET_ACCESS_KEY"], token)
    else:
        return None
    region = settings.region or environ.get("AWS_DEFAULT_REGION")
    if not region:
        understood, region = _config_region(environ)
        if not understood:
            return None
    style = settings.addressing_style or "path"
    bundle = environ.get("AWS_CA_BUNDLE") or None
    return ListingSpec(settings.endpoint_url, region or "us-east-1", creds, style, bundle)


def parse_s3_url(text: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` -> ``("bucket", "some/prefix")``."""
    if not text.startswith("s3://"):
        raise UsageError(f"not an s3:// location: {text!r}")
    bucket, _, prefix = text[5:].partition("/")
    if not bucket:
        raise UsageError(f"no bucket in {text!r}")
    return bucket, prefix.strip("/")
