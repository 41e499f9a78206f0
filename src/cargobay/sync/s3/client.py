"""Reaching S3 through botocore: the client (made on first use), and what the fast paths take from it.

This module owns making the botocore client of a sync (:func:`make_client`, one session per
profile), handing it out lazily (:class:`LazyClient`: a sync that transfers nothing never imports
botocore), reading the listing target back from a client when only botocore could resolve it
(:func:`spec_from_client`), and the hint added to an error a user can act on (:func:`listing_hint`).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any

from cargobay.errors import UsageError
from cargobay.sync.model import DEFAULT_TRANSFERS
from cargobay.sync.s3.spec import ListingSpec, S3Settings

__all__ = ["LazyClient", "listing_hint", "make_client", "real_client", "spec_from_client"]


@functools.lru_cache(maxsize=4)
def _session(profile: str | None) -> Any:
    """One botocore session per profile and process: it caches the parsed service model, so the
    second client costs milliseconds, not a reload of the JSON model."""
    import botocore.session

    return botocore.session.Session(profile=profile)


def make_client(settings: S3Settings, *, transfers: int = DEFAULT_TRANSFERS) -> Any:
    """A thread-safe boto3 S3 client with standard retries and a pool sized for ``transfers``.

    Request checksums are sent only when an operation requires them: S3-compatible servers that
    predate the 2025 flexible-checksum defaults would otherwise reject uploads (cargobay sends
    ``Content-MD5`` itself).
    """
    from botocore.config import Config

    # botocore rather than boto3: the same credential chain and client, without importing the
    # transfer manager (and awscrt) at start-up; s3transfer is imported when a large file needs it.
    try:
        session = _session(settings.profile)
        region = settings.region or session.get_config_variable("region") or "us-east-1"
    except Exception as exc:  # botocore.exceptions.ProfileNotFound and friends
        raise UsageError(f"cannot use AWS profile {settings.profile!r}: {exc}") from None
    style = settings.addressing_style or ("path" if settings.endpoint_url else "auto")
    config = Config(
        s3={"addressing_style": style},
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": settings.max_attempts},
        max_pool_connections=max(10, transfers * 5),
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.create_client(
        "s3",
        endpoint_url=settings.endpoint_url,
        aws_access_key_id=settings.access_key,
        aws_secret_access_key=settings.secret_key,
        region_name=region,
        config=config,
    )


class LazyClient:
    """A botocore client made on first use (thread-safe); attribute access is passed through.

    Importing botocore and building a client is most of the cost of a sync that transfers
    nothing, so the session hands this out instead and only a transfer, a HEAD or a delete
    pays for it.
    """

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def get(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get(), name)


def real_client(client: Any) -> Any:
    """The botocore client behind ``client`` (made now if it is a :class:`LazyClient`)."""
    return client.get() if isinstance(client, LazyClient) else client


def spec_from_client(client: Any) -> ListingSpec | None:
    """The listing target of a botocore client: its endpoint, region, addressing style and
    credentials (refreshable ones are frozen per page). ``None`` if the client has no credentials
    or uses a proxy."""
    try:
        signer_creds = client._request_signer._credentials  # botocore's own credential object
        meta_ = client.meta
        if signer_creds is None or meta_.config.proxies:
            return None
        style = (meta_.config.s3 or {}).get("addressing_style")
        region = meta_.region_name or "us-east-1"
        endpoint = meta_.endpoint_url
    except AttributeError:
        return None

    from cargobay.s3.signing import Credentials

    def credentials() -> Credentials:
        frozen = signer_creds.get_frozen_credentials()
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token)

    if style in (None, "auto"):
        style = "auto" if (endpoint or "").rstrip("/").endswith(".amazonaws.com") else "path"
    return ListingSpec(endpoint, region, credentials, style, os.environ.get("AWS_CA_BUNDLE") or None)


def listing_hint(exc: BaseException) -> str:
    """The fix to add to a listing error a user can act on (credentials, endpoint, bucket)."""
    name = type(exc).__name__
    code = str(getattr(exc, "code", "") or "")
    if not code and hasattr(exc, "response"):
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --profile"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionRefusedError") or isinstance(
        exc, ConnectionError
    ):
        return ": is the server running, and is --endpoint right?"
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch"):
        return ": the credentials were refused: check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or --profile"
    if code == "NoSuchBucket":
        return ": the bucket does not exist: create it first"
    return ""
