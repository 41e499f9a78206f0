"""``cargobay serve [DIR]``: serve a directory as an S3 endpoint.

Credentials come from ``--access-key/--secret-key``, else ``CARGOBAY_ACCESS_KEY`` /
``CARGOBAY_SECRET_KEY``, else a pair generated on first start and kept (mode 0600) in
``DIR/.cargobay/credentials.json`` so clients keep working across restarts. ``--no-auth`` is only
honoured on a loopback address. One server per directory: a second one is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import ipaddress
import json
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from cargobay._libc import keep_heap_for_streaming
from cargobay.cli.serve_config import parse_size, resolve, unset_defaults
from cargobay.errors import ServerError, UsageError

if TYPE_CHECKING:
    from cargobay.s3.identity import Identity

DEFAULT_DIR = "./cargobay-data"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve a directory as an S3 endpoint",
        description="Serve DIR as an S3-compatible endpoint: each top-level directory is a bucket, "
        "each file an object.",
    )
    parser.add_argument(
        "dir",
        nargs="?",
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"data directory (default {DEFAULT_DIR}; created if missing)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="port to listen on (default 9000; 0 = any free)")
    parser.add_argument("--region", default="us-east-1", help="region the endpoint reports (default us-east-1)")
    parser.add_argument("--access-key", help="access key id (default: $CARGOBAY_ACCESS_KEY or generated)")
    parser.add_argument("--secret-key", help="secret access key (default: $CARGOBAY_SECRET_KEY or generated)")
    parser.add_argument(
        "--users",
        metavar="FILE",
        help='more users, JSON: {"users": [{"name": N, "access_key": K, "secret_key": S}, ...]}; '
        "each bucket belongs to its creator; an entry may also give display_name, email and "
        "canonical_id (64 hex digits; generated from the name when absent)",
    )
    parser.add_argument("--no-auth", action="store_true", help="accept unsigned requests (loopback only)")
    parser.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="serve what symlinks inside DIR point to, even outside DIR (read-only through links)",
    )
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="do not fsync before acknowledging writes (faster; a power cut may lose them)",
    )
    parser.add_argument(
        "--sse-s3",
        action="store_true",
        help="DIR is on an encrypted disk: accept and report SSE-S3 (x-amz-server-side-encryption: AES256) "
        "as AWS does for every bucket; objects stay plain files on that disk (default: refused with 501)",
    )
    parser.add_argument(
        "--min-part-size",
        type=_size,
        default=5 << 20,
        metavar="BYTES",
        help="smallest multipart part but the last (default 5 MiB, as AWS; accepts 5M, 64K)",
    )
    parser.add_argument(
        "--upload-expiry",
        type=float,
        default=7.0,
        metavar="DAYS",
        help="remove multipart uploads left unfinished this long (default 7 days)",
    )
    parser.add_argument(
        "--lifecycle-interval",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="how often bucket lifecycle rules are carried out (default 3600; 0 = never)",
    )
    parser.add_argument(
        "--log-delivery-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how often server access logs (PutBucketLogging) are written into their target buckets "
        "(default 60; 0 = only at shutdown and when 4 MiB of records are waiting)",
    )
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate (with --tls-key)")
    parser.add_argument("--tls-key", metavar="PEM", help="private key for --tls-cert")
    parser.add_argument(
        "--tls-self-signed",
        action="store_true",
        help="serve HTTPS with a self-signed certificate kept in DIR/.cargobay/tls/",
    )
    parser.add_argument(
        "--console",
        action=argparse.BooleanOptionalAction,
        help="serve the web console at /_cargobay/console/ (default: on when --host is loopback)",
    )
    parser.add_argument("--domain", help="also accept virtual-hosted-style requests: BUCKET.DOMAIN")
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="info (default) logs one line per request (the access log); warning turns it off",
    )
    parser.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="log lines as text (default) or one JSON object per line",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file with a [serve] table of these settings (also $CARGOBAY_CONFIG); "
        "a flag beats its CARGOBAY_<NAME> variable, which beats the file",
    )
    # Defaults come from serve_config.SETTINGS once flags, environment and file are consulted.
    unset_defaults(parser)
    parser.set_defaults(handler=run)


def _size(text: str) -> int:
    """``5242880``, ``5M``, ``64K``, ``1G`` → bytes (binary units)."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load_users(path: str) -> dict[str, tuple[str, str, Identity]]:
    """access key -> (user name, secret, identity) from a users file (see ``--users``)."""
    from cargobay.s3.identity import make_identity

    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as exc:
        raise UsageError(f"cannot read users file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"users file {path} is not valid JSON: {exc}") from None
    entries = doc.get("users") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f'users file {path} must hold {{"users": [...]}}')
    users: dict[str, tuple[str, str, Identity]] = {}
    ids: set[str] = set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and entry.get(k) for k in ("name", "access_key", "secret_key")
        ):
            raise UsageError(f"users file {path}: entry {number} needs name, access_key and secret_key strings")
        if entry["access_key"] in users:
            raise UsageError(f"users file {path}: access key of entry {number} is used twice")
        extra = {k: entry.get(k) for k in ("display_name", "email", "canonical_id")}
        if not all(v is None or (isinstance(v, str) and v) for v in extra.values()):
            raise UsageError(f"users file {path}: entry {number}: display_name, email and canonical_id must be strings")
        try:
            ident = make_identity(entry["name"], **extra)
        except ValueError as exc:
            raise UsageError(f"users file {path}: entry {number}: {exc}") from None
        if ident.canonical_id in ids and all(u[2] != ident for u in users.values()):
            raise UsageError(f"users file {path}: canonical_id of entry {number} is used by another user")
        ids.add(ident.canonical_id)
        users[entry["access_key"]] = (entry["name"], entry["secret_key"], ident)
    return users


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_credentials(args: argparse.Namespace, state_dir: str, environ: dict[str, str]) -> tuple[str, str, str]:
    """(access key, secret key, where they came from)."""
    access = args.access_key or environ.get("CARGOBAY_ACCESS_KEY")
    secret = args.secret_key or environ.get("CARGOBAY_SECRET_KEY")
    if bool(access) != bool(secret):
        raise UsageError("give both an access key and a secret key, or neither")
    if access and secret:
        return access, secret, "given"
    path = os.path.join(state_dir, "credentials.json")
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
        return str(saved["access_key"]), str(saved["secret_key"]), f"kept in {path}"
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{path} is not a valid credentials file; delete it to generate a new pair") from None
    from cargobay._fsutil import atomic_write

    access = "CB" + secrets.token_hex(9).upper()
    secret = secrets.token_urlsafe(30)
    while not secret[0].isalnum():  # a leading '-' would be taken for an option when pasted
        secret = secrets.token_urlsafe(30)
    with atomic_write(path, mode=0o600) as f:
        f.write(json.dumps({"access_key": access, "secret_key": secret}).encode("utf-8"))
    return access, secret, f"generated, kept in {path}"


@contextlib.contextmanager
def directory_lock(state_dir: str) -> Iterator[None]:
    """Hold an exclusive lock on the data directory, or refuse clearly."""
    from cargobay.s3.store import serverlock

    try:
        fd = serverlock.acquire(state_dir, record_pid=True)
    except serverlock.LockHeld as exc:
        raise ServerError(
            f"{os.path.dirname(state_dir)} is already being served by another cargobay (pid {exc.holder})"
        ) from None
    try:
        yield
    finally:
        os.close(fd)


def banner(
    endpoint: str,
    access: str | None,
    secret: str | None,
    source: str,
    root: str,
    region: str,
    ca_file: str | None = None,
    console: bool = False,
    sse_s3: bool = False,
) -> str:
    lines = [
        f"cargobay S3 server on {endpoint}  serving {root}",
        "",
    ]
    if console:
        lines += [f"web console: {endpoint}/_cargobay/console/  (sign in with an access key and its secret)", ""]
    if ca_file is not None:
        lines += [
            f"TLS certificate (trust it in clients): {ca_file}",
            f"  boto3: verify='{ca_file}'   AWS CLI: --ca-bundle {ca_file}   rclone: --ca-cert {ca_file}",
            "",
        ]
    if sse_s3:
        lines += [f"SSE-S3: reported for every object (--sse-s3: the disk under {root} is the encryption at rest)", ""]
    if access is None:
        lines += ["authentication: OFF (--no-auth); any client may read and write", ""]
        access, secret = "anything", "anything"
    else:
        lines += [f"access key: {access}", f"secret key: {secret}   ({source})", ""]
    lines += [
        "boto3:",
        f"  boto3.client('s3', endpoint_url='{endpoint}', aws_access_key_id='{access}',",
        f"               aws_secret_access_key='{secret}', region_name='{region}')",
        "AWS CLI:",
        f"  export AWS_ACCESS_KEY_ID={access} AWS_SECRET_ACCESS_KEY={secret} AWS_DEFAULT_REGION={region}",
        f"  aws --endpoint-url {endpoint} s3 ls",
        "rclone (~/.config/rclone/rclone.conf):",
        "  [cargobay]",
        "  type = s3",
        "  provider = Other",
        f"  access_key_id = {access}",
        f"  secret_access_key = {secret}",
        f"  endpoint = {endpoint}",
        f"  region = {region}",
        "",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


async def _serve(config: Any, announce: str | None, out: TextIO, ca_file: str | None = None) -> None:
    from cargobay.s3.http.app import start_server

    try:
        server = await start_server(config)
    except socket.gaierror as exc:
        raise UsageError(
            f"--host {config.host}: cannot resolve this name ({exc.strerror}): give an IP address such as "
            "127.0.0.1 or 0.0.0.0, or a host name that resolves"
        ) from None
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise ServerError(f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from None
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    access, secret, source = announce.split("\0") if announce else (None, None, "")
    print(
        banner(
            server.endpoint, access, secret, source, config.root, config.region, ca_file, config.console, config.sse_s3
        ),
        file=out,
        flush=True,
    )
    # Every object made so far (modules, the app, the store) lives as long as the server: moved to
    # the permanent generation, the collections that request garbage triggers no longer walk them.
    gc.freeze()
    try:
        await stop.wait()
    finally:
        print("cargobay: shutting down", file=out, flush=True)
        await server.stop()


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if record.name == "cargobay.access":
            return record.getMessage()  # already one JSON object
        doc = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            doc["traceback"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def _configure_logging(level: str, log_format: str) -> None:
    """Everything to stderr; the access log's lines carry their own time, so no prefix for them."""
    from cargobay.s3.http.observability import configure_access_log

    configure_access_log(log_format)
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper())
    access = logging.getLogger("cargobay.access")
    access.propagate = False
    access_handler = logging.StreamHandler(sys.stderr)
    access_handler.setFormatter(_JsonFormatter() if log_format == "json" else logging.Formatter("%(message)s"))
    access.addHandler(access_handler)


def run(args: argparse.Namespace) -> int:
    from cargobay.s3.http.context import ServeConfig

    resolve(args, os.environ, args.config)
    _configure_logging(args.log_level, args.log_format)
    # aiohttp answers malformed requests itself (400) and would log each one with a traceback at
    # ERROR: client mistakes, not server faults, and a hostile client could flood the log with them.
    # Our own handler logs every real internal error under "cargobay".
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    if args.no_auth and not _is_loopback(args.host):
        raise UsageError(f"refusing to serve without authentication on non-loopback address {args.host}")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"invalid port {args.port}")
    root = os.path.abspath(args.dir)
    if os.path.exists(root) and not os.path.isdir(root):
        raise UsageError(f"{args.dir} exists and is not a directory")
    try:
        os.makedirs(root, exist_ok=True)
        state_dir = os.path.join(root, ".cargobay")
        os.makedirs(state_dir, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use {args.dir} as the data directory: {exc.strerror}") from None
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    if args.tls_cert and args.tls_self_signed:
        raise UsageError("choose --tls-cert/--tls-key or --tls-self-signed, not both")
    for path in (args.tls_cert, args.tls_key):
        if path and not os.path.isfile(path):
            raise UsageError(f"{path}: no such file")
    with directory_lock(state_dir):
        tls_cert, tls_key, ca_file = args.tls_cert, args.tls_key, None
        if args.tls_self_signed:
            from cargobay.s3.http.tls import self_signed

            hosts = [h for h in (args.host, args.domain) if h and h not in ("0.0.0.0", "::")]
            tls_cert, tls_key = self_signed(os.path.join(state_dir, "tls"), hosts=hosts)
            ca_file = tls_cert
        if tls_cert:
            import ssl

            from cargobay.s3.http.tls import server_context

            try:
                server_context(tls_cert, tls_key)
            except (ssl.SSLError, OSError) as exc:
                raise UsageError(f"cannot use the TLS certificate/key: {exc}") from None
        credentials: dict[str, str] = {}
        announce = None
        names: dict[str, str] = {}
        profiles: dict[str, Identity] = {}
        default_owner = None
        if args.no_auth and args.users:
            raise UsageError("--users needs authentication; drop --no-auth")
        if not args.no_auth:
            access, secret, source = resolve_credentials(args, state_dir, dict(os.environ))
            credentials = {access: secret}
            announce = f"{access}\0{secret}\0{source}"
            if args.users:
                for key, (name, user_secret, ident) in load_users(args.users).items():
                    credentials[key] = user_secret
                    names[key] = name
                    profiles[name] = ident
            default_owner = names.get(access, access)
        config = ServeConfig(
            root=root,
            host=args.host,
            port=args.port,
            region=args.region,
            credentials=credentials,
            users=names,
            default_owner=default_owner,
            auth=not args.no_auth,
            durable=not args.no_fsync,
            sse_s3=args.sse_s3,
            follow_symlinks=args.follow_symlinks,
            tls_cert=tls_cert,
            tls_key=tls_key,
            domain=args.domain,
            min_part_size=args.min_part_size,
            upload_expiry=args.upload_expiry * 86400.0,
            profiles=profiles,
            lifecycle_interval=args.lifecycle_interval,
            log_delivery_interval=args.log_delivery_interval,
            console=_is_loopback(args.host) if args.console is None else bool(args.console),
        )
        keep_heap_for_streaming()  # large bodies: reuse read buffers' memory (see cargobay._libc)
        asyncio.run(_serve(config, announce, sys.stdout, ca_file))
    return 0
