"""A running S3 endpoint under test: how to reach it, run-unique names, and a cleanup that survives bad servers.

The cleanup is the harness's, not a verdict: it must work on a server that lacks DeleteObjects or
ListMultipartUploads, or answers them wrongly, and never turn such a gap into failures of unrelated
tests. So every step falls back (DeleteObjects -> one DELETE per key; ListMultipartUploads -> abort
the uploads this run started, one by one, which the shared boto3 clients record as they are created)
and what still cannot be removed is written to :attr:`S3Target.cleanup_problems`, which the plugin's
summary names once. The conformance families test those operations; the cleanup only uses them.

Liveness: :meth:`S3Target.is_alive` opens a TCP connection; the plugin asks it after a test failed
with a connection error, to tell "the server crashed" from "the server answered wrongly".
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from cargobay.testing.s3_endpoints import EndpointSpec
    from cargobay.testing.servers import Endpoint


class S3Target:
    """A running endpoint under test: how to reach it, what it can do, run-unique bucket names."""

    def __init__(
        self,
        spec: EndpointSpec,
        endpoint: Endpoint,
        *,
        tls_verify: bool | str = True,
        server: Any = None,
        data_dir: str | None = None,
        alt: Endpoint | None = None,
    ) -> None:
        self.spec = spec
        self.endpoint = endpoint
        self.alt = alt  # a second user of the endpoint (multi-user tests), when there is one
        self.tls_verify = tls_verify
        self.server = server  # the in-process server object, when there is one
        self.data_dir = data_dir  # where the server keeps objects, when known (traversal family)
        self.run_id = "cbt" + uuid.uuid4().hex[:10]
        self._names = itertools.count()
        self._client: Any = None
        self.uploads: set[tuple[str, str, str]] = set()  # (bucket, key, upload id) started via boto3
        self.cleanup_problems: list[str] = []
        self.down_since: str | None = None  # the test during which the endpoint stopped answering

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def capabilities(self) -> frozenset[str]:
        return self.spec.profile.capabilities - self.spec.lacks

    def client(self, **config: Any) -> Any:
        """A boto3 client (path style, no retries). Without options, one shared client."""
        if not config and self._client is not None:
            return self._client
        import boto3
        from botocore.config import Config

        options: dict[str, Any] = {
            "s3": {"addressing_style": "path"},
            "retries": {"max_attempts": 1},
            "connect_timeout": 10,
            "read_timeout": 60,
        }
        options.update(config)
        made = boto3.client(
            "s3",
            endpoint_url=self.endpoint.url,
            aws_access_key_id=self.endpoint.access_key,
            aws_secret_access_key=self.endpoint.secret_key,
            region_name=self.endpoint.region,
            config=Config(**options),
            verify=self.tls_verify,
        )
        made.meta.events.register("after-call.s3.CreateMultipartUpload", self._record_upload)
        if not config:
            self._client = made
        return made

    def alt_client(self) -> Any:
        """A boto3 client signed as the second user (capability ``multi_user``)."""
        assert self.alt is not None, "this endpoint has no second user (capability multi_user)"
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.alt.url,
            aws_access_key_id=self.alt.access_key,
            aws_secret_access_key=self.alt.secret_key,
            region_name=self.alt.region,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            verify=self.tls_verify,
        )

    def anonymous_client(self) -> Any:
        """A boto3 client that sends unsigned (anonymous) requests."""
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint.url,
            region_name=self.endpoint.region,
            config=Config(signature_version=UNSIGNED, s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
            verify=self.tls_verify,
        )

    def _record_upload(self, http_response: Any = None, parsed: Any = None, model: Any = None, **_: Any) -> None:
        if isinstance(parsed, dict) and parsed.get("UploadId") and parsed.get("Bucket"):
            self.uploads.add((str(parsed["Bucket"]), str(parsed.get("Key", "")), str(parsed["UploadId"])))

    def new_bucket_name(self, hint: str = "") -> str:
        """A run-unique bucket name (≤ 63 chars) starting with this run's prefix."""
        slug = "".join(c for c in hint.lower() if c.isalnum())[:20]
        name = f"{self.run_id}-{next(self._names)}" + (f"-{slug}" if slug else "")
        return name[:63].rstrip("-")

    def is_alive(self, timeout: float = 3.0) -> bool:
        """Does anything still accept TCP connections at the endpoint's address?"""
        parts = urlsplit(self.endpoint.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout):
                return True
        except OSError:
            return False

    # -- cleanup ------------------------------------------------------------------------------
    def empty_and_delete(self, bucket: str) -> None:
        """Abort uploads, delete every object, then the bucket, each step with a fallback. A bucket
        already gone is fine; what cannot be removed is recorded in :attr:`cleanup_problems`."""
        if self.down_since is not None:
            return
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return
        except BotoCoreError as exc:
            self._problem(bucket, f"HeadBucket failed ({type(exc).__name__})")
            return
        self._abort_uploads(client, bucket)
        self._delete_objects(client, bucket)
        try:
            client.delete_bucket(Bucket=bucket)
        except (ClientError, BotoCoreError) as exc:
            self._problem(bucket, f"DeleteBucket failed: {_short(exc)}")

    def _abort_uploads(self, client: Any, bucket: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        listed: set[tuple[str, str]] = set()
        if "multipart" in self.capabilities:
            try:
                for page in client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=bucket, PaginationConfig={"MaxItems": 10_000}
                ):
                    listed |= {(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])}
            except (ClientError, BotoCoreError, KeyError):
                pass  # fall back to the uploads this run started
        known = {(key, upload) for b, key, upload in self.uploads if b == bucket}
        for key, upload in sorted(listed | known):
            # Completed, aborted already, or unknown: nothing left to remove.
            with contextlib.suppress(ClientError, BotoCoreError):
                client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        self.uploads -= {(bucket, key, upload) for key, upload in known}

    def _delete_objects(self, client: Any, bucket: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        bulk = "delete_objects" in self.capabilities
        for _ in range(50):  # a listing that never empties is a server fault, not a reason to loop
            try:
                page = client.list_objects_v2(Bucket=bucket, MaxKeys=1000)
            except (ClientError, BotoCoreError) as exc:
                self._problem(bucket, f"ListObjectsV2 failed: {_short(exc)}")
                return
            keys = [o["Key"] for o in page.get("Contents", [])]
            if not keys:
                return
            if bulk:
                try:
                    answer = client.delete_objects(
                        Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
                    )
                    if not answer.get("Errors"):
                        continue
                except (ClientError, BotoCoreError):
                    pass
                bulk = False  # this server's DeleteObjects does not work: one DELETE per key from now on
            for key in keys:
                try:
                    client.delete_object(Bucket=bucket, Key=key)
                except (ClientError, BotoCoreError) as exc:
                    self._problem(bucket, f"DeleteObject {key!r} failed: {_short(exc)}")
                    return
        self._problem(bucket, "objects still listed after 50 rounds of deletes")

    def _problem(self, bucket: str, what: str) -> None:
        self.cleanup_problems.append(f"{bucket}: {what}")

    def nuke_run_buckets(self) -> None:
        """Remove every bucket carrying this run's prefix (ceph's nuke_prefixed_buckets)."""
        if self.down_since is not None:
            return
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            names = [b["Name"] for b in self.client().list_buckets().get("Buckets", [])]
        except (ClientError, BotoCoreError) as exc:
            self.cleanup_problems.append(f"ListBuckets failed: {_short(exc)}")
            return
        for name in names:
            if name.startswith(self.run_id + "-"):
                self.empty_and_delete(name)


def _short(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = response.get("Error", {}).get("Code")
        return f"{status} {code}"
    return f"{type(exc).__name__}: {str(exc)[:120]}"
