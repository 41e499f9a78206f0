"""``cargobay check-sync --endpoint URL``: is this S3 server safe to sync to? Five phases, pass/fail each.

The phases are in :mod:`cargobay.sync.check` (initial sync, local edits, change detection,
re-upload, ETag and content verification). This module parses flags, prints one line per phase
as it finishes and exits 0 only when every phase passed. An endpoint that cannot be checked at all
(no credentials, nothing answering) gets one line saying "could not check" and why, exit 1: no
verdict is given about a server that was never asked.
"""

from __future__ import annotations

import argparse
from typing import Any

from cargobay.cli.sync import add_s3_arguments, s3_settings


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check-sync",
        help="check that an S3 endpoint is safe for sync (five phases, pass/fail each)",
        description=(
            "Run the sync workflow against an S3 endpoint: initial sync, local edits (including a "
            "same-size edit with its mtime restored), change detection, re-upload, and verification "
            "of every object's bytes, ETag and metadata. Works in a scratch bucket it creates and "
            "removes, or in a scratch prefix of --bucket."
        ),
    )
    add_s3_arguments(p)
    p.add_argument("--bucket", metavar="NAME", help="use a scratch prefix in this existing bucket")
    p.add_argument("--keep", action="store_true", help="leave the scratch objects in place")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated tree")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cargobay.sync.check import check_sync

    settings = s3_settings(args)
    print(f"check-sync: {args.endpoint or 'AWS S3'}")
    results = check_sync(
        settings=settings,
        bucket=args.bucket,
        seed=args.seed,
        keep=args.keep,
        on_phase=lambda r: print(r.line(), flush=True),
    )
    passed = sum(1 for r in results if r.ok)
    verdict = "safe for sync" if passed == len(results) else "NOT safe for sync"
    print(f"{passed}/{len(results)} phases passed: {verdict}")
    return 0 if passed == len(results) else 1
