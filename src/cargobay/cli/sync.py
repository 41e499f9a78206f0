"""``cargobay sync SRC DST``: bring DST up to date with SRC, local or ``s3://bucket/prefix``, either way.

This module owns the command line of sync: flags to :class:`~cargobay.sync.SyncOptions`,
:class:`~cargobay.sync.S3Settings` and a selection; the default state directory
(``$XDG_CACHE_HOME/cargobay`` or ``~/.cache/cargobay``); the progress bar (rich, on stderr, only
on a terminal); the plan printed by ``--dry-run``; the final report. Exit status: 0 when
everything was done, 1 when any file failed or deletions were refused, 130 when Ctrl-C stopped it
(queued files cancelled, uploads in flight aborted, what was done summarised; a rerun continues).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Any

from cargobay.cli._progress import TransferBar
from cargobay.cli.select import _OrderedRule, parse_age, parse_size

_RULE_FLAGS = (
    ("--include", "include", "PATTERN", "sync only paths matching PATTERN (gitignore syntax)"),
    ("--exclude", "exclude", "PATTERN", "do not sync paths matching PATTERN"),
    ("--include-from", "include_from", "FILE", "include patterns from FILE"),
    ("--exclude-from", "exclude_from", "FILE", "exclude patterns from FILE"),
    ("--filter-from", "filter_from", "FILE", "'+ PATTERN' / '- PATTERN' lines from FILE (rclone format)"),
    ("--include-group", "include_group", "GROUP", "include a named pattern group"),
    ("--exclude-group", "exclude_group", "GROUP", "exclude a named pattern group"),
)


def default_state_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cargobay")


def add_s3_arguments(parser: argparse.ArgumentParser) -> None:
    """``--endpoint``, ``--profile``, ``--region`` (shared with ``check-sync``)."""
    group = parser.add_argument_group("S3 (credentials: AWS_* variables, shared files and profiles, via boto3)")
    group.add_argument("--endpoint", metavar="URL", help="S3 endpoint URL (default: AWS)")
    group.add_argument("--profile", metavar="NAME", help="AWS profile to use")
    group.add_argument("--region", metavar="REGION", help="region (default: from the profile, else us-east-1)")


def s3_settings(args: argparse.Namespace) -> Any:
    from cargobay.sync.s3.spec import S3Settings

    if args.endpoint is not None:
        check_endpoint(args.endpoint)
    return S3Settings(endpoint_url=args.endpoint, profile=args.profile, region=args.region)


def add_side_arguments(parser: argparse.ArgumentParser) -> None:
    """``--src-endpoint/--src-profile/--src-region`` and the same for ``--dst-``: S3 to S3 between two stores.

    A side's flag overrides the shared ``--endpoint/--profile/--region`` for that side only. A
    named remote is an AWS profile in the shared config file (``~/.aws/config``, ``[profile
    NAME]`` with ``endpoint_url``, ``region``, ``s3 = addressing_style = path``) and its keys in
    ``~/.aws/credentials``: the files every AWS SDK and CLI already read, so one remote serves
    cargobay, the AWS CLI and rclone's ``env_auth`` alike, and botocore resolves it. Keys per side
    without a profile: ``CARGOBAY_SRC_ACCESS_KEY_ID``/``CARGOBAY_SRC_SECRET_ACCESS_KEY`` and the
    ``DST`` pair (environment only: see :func:`side_settings`).
    """
    group = parser.add_argument_group(
        "S3 to S3 between two endpoints (each defaults to the shared flags above; per-side keys: "
        "CARGOBAY_SRC_ACCESS_KEY_ID/CARGOBAY_SRC_SECRET_ACCESS_KEY and CARGOBAY_DST_..., or a profile per side)"
    )
    for side in ("src", "dst"):
        group.add_argument(f"--{side}-endpoint", metavar="URL", help=f"{side.upper()}'s S3 endpoint URL")
        group.add_argument(f"--{side}-profile", metavar="NAME", help=f"{side.upper()}'s AWS profile (named remote)")
        group.add_argument(f"--{side}-region", metavar="REGION", help=f"{side.upper()}'s region")


def side_settings(args: argparse.Namespace, side: str) -> Any:
    """The :class:`~cargobay.sync.s3.spec.S3Settings` of one side (``"src"``/``"dst"``)."""
    from cargobay.errors import UsageError
    from cargobay.sync.s3.spec import S3Settings

    endpoint = getattr(args, f"{side}_endpoint", None) or args.endpoint
    profile = getattr(args, f"{side}_profile", None) or args.profile
    region = getattr(args, f"{side}_region", None) or args.region
    if endpoint is not None:
        check_endpoint(endpoint)
    # Per-side keys from the environment (never from flags: a secret on a command line is in
    # every user's `ps` and in shell history). They win over a profile, as explicit keys do in boto3.
    key_var, secret_var = f"CARGOBAY_{side.upper()}_ACCESS_KEY_ID", f"CARGOBAY_{side.upper()}_SECRET_ACCESS_KEY"
    key, secret = os.environ.get(key_var) or None, os.environ.get(secret_var) or None
    if (key is None) != (secret is None):
        raise UsageError(f"set both {key_var} and {secret_var}, or neither")
    return S3Settings(endpoint_url=endpoint, profile=profile, region=region, access_key=key, secret_key=secret)


def check_endpoint(url: str) -> None:
    """A ``--endpoint`` must be an absolute http(s) URL with a host (botocore's "Invalid endpoint"
    traceback otherwise)."""
    from urllib.parse import urlsplit

    from cargobay.errors import UsageError

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"--endpoint {url!r}: {exc}: give a URL such as http://127.0.0.1:9000") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--endpoint {url!r} is not an http:// or https:// URL: give one such as http://127.0.0.1:9000"
        )


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "sync",
        help="sync a tree between a local directory and S3 (or local/local, S3/S3), sending only changes",
        description=(
            "Make DST hold what SRC holds. Each side is a local directory or s3://bucket/prefix. A file "
            "is sent when its size differs, else when its content differs (MD5 from the ETag, from "
            "md5chksum metadata, or the multipart ETag computed locally); unchanged local files are not "
            "re-read thanks to a hash cache keyed by (size, mtime, ctime, inode). Uploads carry rclone's "
            "X-Amz-Meta-Mtime and Md5chksum metadata."
        ),
    )
    p.add_argument("src", metavar="SRC")
    p.add_argument("dst", metavar="DST")
    add_s3_arguments(p)
    add_side_arguments(p)
    how = p.add_argument_group("sync")
    how.add_argument("--checksum", action="store_true", help="hash every local file (ignore the hash cache)")
    how.add_argument("--dry-run", action="store_true", help="print the plan with a reason per file; change nothing")
    how.add_argument(
        "--delete", action="store_true", help="delete destination files the source lacks (after transfers)"
    )
    how.add_argument("--max-delete", type=int, metavar="N", help="with --delete: delete nothing if more than N")
    how.add_argument(
        "--backup-dir",
        metavar="DIR",
        help=(
            "keep replaced and deleted files under DIR/<UTC date>/ (an s3:// location for an S3 destination);"
            " a DIR inside the destination is never deleted by --delete"
        ),
    )
    how.add_argument("--transfers", type=int, default=8, metavar="N", help="files transferred at once (default 8)")
    how.add_argument(
        "--part-size", type=parse_size, default=8 << 20, metavar="SIZE", help="multipart part size (default 8M)"
    )
    how.add_argument("--retries", type=int, default=3, metavar="N", help="retries per file (default 3)")
    how.add_argument("--durable", action="store_true", help="fsync local files written")
    how.add_argument(
        "--all-versions",
        action="store_true",
        help="S3 to S3: replay every version and delete marker, oldest first (the target must have versioning on)",
    )
    how.add_argument("--state-dir", metavar="DIR", help="hash cache directory (default ~/.cache/cargobay)")
    how.add_argument("--no-state", action="store_true", help="use no hash cache")
    how.add_argument("-v", "--verbose", action="store_true", help="with --dry-run: also list unchanged files")
    how.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no report")
    rules = p.add_argument_group("selection (in command-line order, first match wins)")
    for flag, kind, meta, text in _RULE_FLAGS:
        rules.add_argument(flag, action=_OrderedRule, const=kind, dest="rules", metavar=meta, help=text)
    p.set_defaults(rules=[])
    rules.add_argument("--min-size", type=parse_size, metavar="SIZE", help="only files of at least SIZE")
    rules.add_argument("--max-size", type=parse_size, metavar="SIZE", help="only files of at most SIZE")
    rules.add_argument("--min-age", type=parse_age, metavar="AGE", help="only files modified at least AGE ago")
    rules.add_argument("--max-age", type=parse_age, metavar="AGE", help="only files modified at most AGE ago")
    rules.add_argument("--no-ignore-files", action="store_true", help="do not read .cargobayignore files")
    p.set_defaults(handler=run, fast_exit=True)


def run(args: argparse.Namespace) -> int:
    # No garbage collection from here until the plan is built: the imports below (about 30 ms)
    # and the plan allocate many small objects that all stay alive (nothing to collect), and the
    # collector's passes over them were ~10% of a no-change re-sync's CPU (2.7 ms of it during
    # the imports). It is back on before anything is transferred.
    gc.disable()
    try:
        return _run(args)
    finally:
        _gc_back_on()


def _gc_back_on() -> None:
    """Collection back on, for objects made from now on only: what exists now (modules, the
    plan) lives until the command ends. Without the freeze, the first allocation after
    ``enable`` walked every object of the plan (7 ms for 10,000 files), and so did the
    interpreter's collection at exit."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _run(args: argparse.Namespace) -> int:
    # The S3 listing starts first, before the sync's own imports (~20 ms): a no-change re-sync
    # waits on the server's listing pages, and these imports need not delay the first of them.
    from cargobay.sync.s3.early import start_listing

    settings = side_settings(args, "src")
    dst_settings = side_settings(args, "dst")
    wheres = ((args.dst, dst_settings), (args.src, settings))
    early = [e for e in (start_listing(w, st, environ=os.environ, fork=True) for w, st in wheres) if e]
    try:
        return _run_sync(args, settings, early, dst_settings)
    finally:
        for listing in early:  # already closed by the sync, unless it never started
            listing.close()


def _run_sync(args: argparse.Namespace, settings: Any, early: list[Any], dst_settings: Any = None) -> int:
    from cargobay.errors import UsageError
    from cargobay.select import build_selection
    from cargobay.sync import SyncOptions, plan_sync, sync

    if args.max_delete is not None and not args.delete:
        raise UsageError("--max-delete needs --delete")
    options = SyncOptions(
        checksum=args.checksum,
        delete=args.delete,
        max_delete=args.max_delete,
        dry_run=args.dry_run,
        backup_dir=args.backup_dir,
        transfers=args.transfers,
        part_size=args.part_size,
        retries=args.retries,
        durable=args.durable,
    )
    selection = build_selection(
        rules=args.rules,
        min_size=args.min_size,
        max_size=args.max_size,
        min_age=args.min_age,
        max_age=args.max_age,
        ignore_file_name=None if args.no_ignore_files else ".cargobayignore",
    )
    if args.all_versions:
        return _run_versions(args, options, selection, settings, dst_settings)
    state_dir = None if args.no_state else (args.state_dir or default_state_dir())
    if args.dry_run:
        plan = plan_sync(
            args.src,
            args.dst,
            options=options,
            selection=selection,
            s3=settings,
            state_dir=state_dir,
            early_listings=early,
            dst_s3=dst_settings,
        )
        _gc_back_on()
        print(plan.render(verbose=args.verbose))
        return 0
    from cargobay.errors import Interrupted

    with TransferBar(sys.stderr.isatty() and not args.quiet, "sync") as bar:
        try:
            report = sync(
                args.src,
                args.dst,
                options=options,
                selection=selection,
                s3=settings,
                state_dir=state_dir,
                progress=lambda p: bar.update(p.bytes_done, p.bytes_total, p.files_done, p.files_total),
                on_plan=lambda _plan: _gc_back_on(),
                early_listings=early,
                dst_s3=dst_settings,
            )
        except Interrupted as stopped:
            report = stopped.report
    if report.interrupted:
        if not args.quiet:
            print(report.summary(), flush=True)
        print("cargobay sync: interrupted", file=sys.stderr)
        return 130
    if not args.quiet:
        print(report.summary())
    return 0 if report.ok else 1


def _run_versions(args: argparse.Namespace, options: Any, selection: Any, settings: Any, dst_settings: Any) -> int:
    """``--all-versions``: :func:`cargobay.sync.s3versions.replay_versions` between two S3 prefixes."""
    from cargobay.errors import Interrupted, UsageError
    from cargobay.sync.s3 import LazyClient, S3Prefix, listing_spec, make_client, parse_s3_url

    if not (args.src.startswith("s3://") and args.dst.startswith("s3://")):
        raise UsageError("--all-versions replays versions between two s3:// locations")
    from functools import partial

    from cargobay.sync.s3versions import replay_versions

    sides = []
    for where, st in ((args.src, settings), (args.dst, dst_settings)):
        bucket, prefix = parse_s3_url(where)
        client = LazyClient(partial(make_client, st, transfers=options.transfers))
        sides.append(
            S3Prefix(client, bucket, prefix, part_size=options.part_size, listing=listing_spec(st, environ=os.environ))
        )
    src, dst = sides
    try:
        with TransferBar(sys.stderr.isatty() and not args.quiet and not args.dry_run, "sync") as bar:
            try:
                report = replay_versions(
                    src,
                    dst,
                    options=options,
                    selection=selection,
                    progress=lambda p: bar.update(p.bytes_done, p.bytes_total, p.files_done, p.files_total),
                )
            except Interrupted as stopped:
                report = stopped.report
    finally:
        for side in sides:
            side.close()
    if args.dry_run or not args.quiet:
        print(report.summary())
        if args.dry_run:
            for name in report.transferred:
                print(f"replay  {name}")
    if report.interrupted:
        print("cargobay sync: interrupted", file=sys.stderr)
        return 130
    return 0 if report.ok else 1
