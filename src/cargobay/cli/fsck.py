"""``cargobay fsck DIR [--repair]``: check a data directory against its metadata sidecar.

This module owns the command line only; the checks and repairs are
:mod:`cargobay.s3.store.fsck`. Exit status: 0 clean, or every problem found was repaired; 1
problems left; 2 usage (no such directory, a directory that is not a cargobay data directory
(no ``.cargobay/meta.db``) unless ``--any-dir``, or ``--repair`` on a directory being served).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from cargobay.errors import UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fsck",
        help="check a served data directory against its metadata; --repair fixes what is safe",
        description="Verify DIR (a `cargobay serve` data directory) against its metadata sidecar: "
        "leftover temp files, rows whose file is gone, files changed out of band, orphans in the "
        "internal area, interrupted multipart uploads. Exit 0 clean (or all repaired), 1 problems left, "
        "2 usage.",
    )
    parser.add_argument("dir", metavar="DIR", help="the data directory")
    parser.add_argument(
        "--repair", action="store_true", help="repair what can be repaired safely (refused while a server serves DIR)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--any-dir", action="store_true", help="check DIR even without a .cargobay/meta.db (a tree never served yet)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cargobay.s3.store.fsck import check

    if not os.path.isdir(args.dir):
        raise UsageError(f"{args.dir}: not a directory")
    if not args.any_dir and not os.path.isfile(os.path.join(args.dir, ".cargobay", "meta.db")):
        raise UsageError(
            f"{args.dir} is not a cargobay data directory (no .cargobay/meta.db): give the DIR that "
            "`cargobay serve DIR` serves, or add --any-dir to check a tree never served"
        )
    report = check(args.dir, repair=args.repair)
    if args.json:
        repaired = set(report.repaired)
        doc = {
            "root": report.root,
            "clean": report.clean,
            "served": report.served,
            "objects_checked": report.objects_checked,
            "uploads_in_progress": report.uploads_in_progress,
            "findings": [
                {
                    "kind": f.kind.value,
                    "detail": f.detail,
                    "path": f.path,
                    "bucket": f.bucket,
                    "key": f.key,
                    "upload_id": f.upload_id,
                    "repaired": f in repaired,
                }
                for f in report.findings
            ],
        }
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(report.render())
    all_repaired = report.repair and not report.failed and len(report.repaired) == len(report.findings)
    return 0 if report.clean or all_repaired else 1
