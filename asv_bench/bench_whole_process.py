"""asv tracks of issue 18's rows: the whole ``cargobay`` command against the peer's command.

Each ``track_`` runs cargobay's command and the peer's as fresh processes (start-up included),
interleaved with the order rotated, ``ROUNDS`` times, and returns the ratio of the medians (cargobay
seconds / peer seconds: below 1 means cargobay was faster; the issue's targets are at or under 1 for
copy and mirror, at or under 2 for select against ``find -prune``, at or under 0.1 against the
fnmatch matcher). A ratio measured in one run survives a noisy machine better than an absolute time;
the ``track_*_seconds`` companions keep cargobay's own median for the page, and the ``track_*_cpu``
ratios compare user+system CPU seconds (``wait4``: the command and every process it reaped), which
other load on the machine disturbs less than wall time. The trees are smaller than the bench's (asv
repeats them): 2,000 x 4 KiB for copy and mirror, 300 mixed files for the mixed mirror, 20,000 files
for select (against ``find -prune`` and the fnmatch matcher), 1,000 files for sync. Conditions are
those of ``cargobay bench``: a fresh-space copy goes into a new loop-mounted ext4 filesystem per
run, the source copied into it untimed (``cargobay.bench._freshfs``, where root may mount; else to a
new destination with nothing deleted in the round), a no-change mirror re-runs on an exact copy.
Only public entry points are used: the ``cargobay`` console script, ``cargobay.bench``'s tree
builders and command lines.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

try:
    from cargobay.bench._wholeproc import cargobay_command
    from cargobay.bench.copy import build_files_tree, build_mixed_tree
    from cargobay.bench.select import (
        FNMATCH_PATTERNS,
        FNMATCH_PROCESS,
        GITIGNORE_PATTERNS,
        ensure_tree,
        find_prune_command,
    )
except ImportError:  # a commit before whole-process benchmarks
    cargobay_command = build_files_tree = build_mixed_tree = ensure_tree = find_prune_command = None  # type: ignore[assignment]
    GITIGNORE_PATTERNS = FNMATCH_PATTERNS = ()
    FNMATCH_PROCESS = ""

try:
    from cargobay.bench import _freshfs
except ImportError:  # a commit before the fresh-filesystem condition
    _freshfs = None  # type: ignore[assignment]

ROUNDS = 5


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package runs from compiled bytecode
    return env


def _time(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, user+system CPU seconds of the command and the processes it reaped)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed")
    return wall, usage.ru_utime + usage.ru_stime


class _Medians(dict[str, float]):
    """name -> median wall seconds; ``cpu``: name -> median CPU seconds."""

    cpu: dict[str, float]


def _medians(commands: dict[str, object], env: dict[str, str], rounds: int = ROUNDS, around: object = None) -> _Medians:
    """``commands``: name -> argv, or a callable(round) -> argv (a new destination per run).
    ``around``: a callable(name, round) -> context manager yielding a mapping from "DST"/"SRC"
    placeholders to paths, entered around each run (the fresh filesystem)."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            spec = commands[name]
            with around(name, r) if callable(around) else _nothing() as places:
                cmd = spec(r) if callable(spec) else spec
                cmd = [places.get(a, a) for a in cmd]  # type: ignore[union-attr]
                wall, cpu = _time(cmd, env)
            times[name].append(wall)
            cpus[name].append(cpu)
    out = _Medians((name, statistics.median(ts)) for name, ts in times.items())
    out.cpu = {name: statistics.median(cs) for name, cs in cpus.items()}
    return out


@contextlib.contextmanager
def _nothing() -> Iterator[dict[str, str]]:
    yield {}


class _Base:
    number = 1
    repeat = 1
    timeout = 900
    unit = "cargobay time / peer time"

    def setup(self) -> None:
        if cargobay_command is None:
            raise NotImplementedError("whole-process benchmarks are not available at this commit")
        self.work = tempfile.mkdtemp(prefix="cargobay-asv-whole-")
        self.env = _env()

    def teardown(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


class CopyWholeProcess(_Base):
    """Fresh-space copy and no-change mirror of 2,000 x 4 KiB: cargobay copy vs cp -a / rsync -a."""

    def setup(self) -> None:
        super().setup()
        self.src = os.path.join(self.work, "src")
        build_files_tree(self.src, count=2000, size=4096, dirs=20, seed=5)
        self.mirror = os.path.join(self.work, "mirror")
        subprocess.run(["cp", "-a", self.src, self.mirror], check=True)
        cb = cargobay_command()
        if _freshfs is not None and _freshfs.available():
            size = 256 << 20

            @contextlib.contextmanager
            def fresh_fs(name: str, r: int) -> Iterator[dict[str, str]]:
                with _freshfs.fresh_filesystem(self.work, size) as mount:
                    subprocess.run(["cp", "-a", self.src, os.path.join(mount, "src")], check=True)
                    yield {"SRC": os.path.join(mount, "src"), "DST": os.path.join(mount, "dst")}

            self.fresh = _medians(
                {"cargobay": [*cb, "copy", "SRC", "DST"], "cp -a": ["cp", "-a", "SRC", "DST"]},
                self.env,
                around=fresh_fs,
            )
        else:
            self.fresh = _medians(
                {
                    "cargobay": lambda r: [*cb, "copy", self.src, os.path.join(self.work, f"cb-{r}")],
                    "cp -a": lambda r: ["cp", "-a", self.src, os.path.join(self.work, f"cp-{r}")],
                },
                self.env,
            )
        if shutil.which("rsync") is None:
            self.nochange = _Medians({"cargobay": float("nan"), "rsync -a": float("nan")})
            self.nochange.cpu = dict(self.nochange)
        else:
            self.nochange = _medians(
                {
                    "cargobay": [*cb, "copy", "--mirror", self.src, self.mirror],
                    "rsync -a": ["rsync", "-a", self.src + "/", self.mirror + "/"],
                },
                self.env,
            )

    def track_fresh_copy_vs_cp_a(self) -> float:
        return self.fresh["cargobay"] / self.fresh["cp -a"]

    def track_nochange_mirror_vs_rsync_a(self) -> float:
        return self.nochange["cargobay"] / self.nochange["rsync -a"]

    def track_fresh_copy_cpu_vs_cp_a(self) -> float:
        return self.fresh.cpu["cargobay"] / self.fresh.cpu["cp -a"]

    def track_nochange_mirror_cpu_vs_rsync_a(self) -> float:
        return self.nochange.cpu["cargobay"] / self.nochange.cpu["rsync -a"]

    def track_fresh_copy_seconds(self) -> float:
        return self.fresh["cargobay"]

    def track_nochange_mirror_seconds(self) -> float:
        return self.nochange["cargobay"]

    track_fresh_copy_cpu_vs_cp_a.unit = "cargobay CPU / peer CPU"  # type: ignore[attr-defined]
    track_nochange_mirror_cpu_vs_rsync_a.unit = "cargobay CPU / peer CPU"  # type: ignore[attr-defined]
    track_fresh_copy_seconds.unit = "seconds"  # type: ignore[attr-defined]
    track_nochange_mirror_seconds.unit = "seconds"  # type: ignore[attr-defined]


class MixedMirrorWholeProcess(_Base):
    """No-change mirror of the mixed tree (300 files log-sized 0-8 MiB, symlinks, hard links, empty
    dirs; the bench's tree 4 scaled down): cargobay copy --mirror vs rsync -a."""

    def setup(self) -> None:
        super().setup()
        if shutil.which("rsync") is None:
            raise NotImplementedError("rsync is not installed")
        self.src = os.path.join(self.work, "src")
        build_mixed_tree(self.src, count=300, seed=5)
        self.mirror = os.path.join(self.work, "mirror")
        subprocess.run([*cargobay_command(), "copy", "-q", self.src, self.mirror], check=True, env=self.env)
        self.med = _medians(
            {
                "cargobay": [*cargobay_command(), "copy", "--mirror", self.src, self.mirror],
                "rsync -a": ["rsync", "-a", self.src + "/", self.mirror + "/"],
            },
            self.env,
        )

    def track_mixed_nochange_mirror_vs_rsync_a(self) -> float:
        return self.med["cargobay"] / self.med["rsync -a"]

    def track_mixed_nochange_mirror_cpu_vs_rsync_a(self) -> float:
        return self.med.cpu["cargobay"] / self.med.cpu["rsync -a"]

    def track_mixed_nochange_mirror_seconds(self) -> float:
        return self.med["cargobay"]

    track_mixed_nochange_mirror_cpu_vs_rsync_a.unit = "cargobay CPU / peer CPU"  # type: ignore[attr-defined]
    track_mixed_nochange_mirror_seconds.unit = "seconds"  # type: ignore[attr-defined]


class SelectWholeProcess(_Base):
    """cargobay select with 50 rules on 20,000 files (no directory pruned) vs find -prune."""

    def setup(self) -> None:
        super().setup()
        root = ensure_tree(os.path.join(tempfile.gettempdir(), "cargobay-asv-whole"), files=20_000, seed=20240601)
        rules = os.path.join(self.work, "rules")
        with open(rules, "w", encoding="utf-8") as fh:
            fh.write("".join(("\\" + p if p.startswith("#") else p) + "\n" for p in GITIGNORE_PATTERNS))
        self.med = _medians(
            {
                "cargobay": [*cargobay_command(), "select", root, "--exclude-from", rules],
                "find -prune": find_prune_command(root),
                "fnmatch": [sys.executable, "-c", FNMATCH_PROCESS, root, *FNMATCH_PATTERNS],
            },
            self.env,
        )

    def track_select_vs_find_prune(self) -> float:
        return self.med["cargobay"] / self.med["find -prune"]

    def track_select_vs_fnmatch(self) -> float:
        """cargobay time / the TimeLocker-style matcher's time (the issue's target: at most 0.1)."""
        return self.med["cargobay"] / self.med["fnmatch"]

    def track_select_seconds(self) -> float:
        return self.med["cargobay"]

    track_select_seconds.unit = "seconds"  # type: ignore[attr-defined]


class SyncWholeProcess(_Base):
    """No-change cargobay sync (default and --checksum) of 1,000 files vs rclone sync --checksum, and
    the initial upload of the same files vs rclone sync (each into a new prefix)."""

    def setup(self) -> None:
        super().setup()
        from cargobay.bench.sync import _rclone_env, build_tree, rclone_binary
        from cargobay.testing.clients import boto3_client
        from cargobay.testing.servers import SubprocessServer

        base = os.path.join(self.work, "tree")
        build_tree(base, files=1000, max_size=64 << 10, seed=20240601)
        tree = os.path.join(base, "tree")
        with SubprocessServer(os.path.join(self.work, "server")) as server:
            ep = server.endpoint
            boto3_client(ep).create_bucket(Bucket="bench")
            env = {**_rclone_env(ep.url, ep.access_key, ep.secret_key), **self.env}
            env.update(AWS_ACCESS_KEY_ID=ep.access_key, AWS_SECRET_ACCESS_KEY=ep.secret_key)
            state = os.path.join(self.work, "state")
            cb = [
                *cargobay_command(),
                "sync",
                tree,
                "s3://bench/t",
                "--endpoint",
                ep.url,
                "--state-dir",
                state,
                "--delete",
            ]
            subprocess.run(cb, env=env, check=True, stdout=subprocess.DEVNULL)
            time.sleep(2.1)  # past the hash cache's racy window
            self.med = _medians(
                {
                    "cargobay": cb,
                    "cargobay --checksum": [*cb, "--checksum"],
                    "rclone --checksum": [rclone_binary(), "sync", "--checksum", tree, "cb:bench/t"],
                },
                env,
            )
            # Initial upload: each run into a new, empty prefix (cargobay with a state dir of its own).
            self.initial = _medians(
                {
                    "cargobay": lambda r: [
                        *cargobay_command(),
                        "sync",
                        tree,
                        f"s3://bench/init-cb-{r}",
                        "--endpoint",
                        ep.url,
                        "--state-dir",
                        os.path.join(self.work, f"state-{r}"),
                        "--delete",
                    ],
                    "rclone": lambda r: [rclone_binary(), "sync", tree, f"cb:bench/init-rclone-{r}"],
                },
                env,
            )

    def track_nochange_sync_vs_rclone_checksum(self) -> float:
        return self.med["cargobay"] / self.med["rclone --checksum"]

    def track_checksum_sync_vs_rclone_checksum(self) -> float:
        return self.med["cargobay --checksum"] / self.med["rclone --checksum"]

    def track_initial_sync_vs_rclone(self) -> float:
        return self.initial["cargobay"] / self.initial["rclone"]

    def track_nochange_sync_seconds(self) -> float:
        return self.med["cargobay"]

    track_nochange_sync_seconds.unit = "seconds"  # type: ignore[attr-defined]


if sys.platform != "linux":  # pragma: no cover - the peers' command lines are GNU/Linux ones
    del CopyWholeProcess, MixedMirrorWholeProcess, SelectWholeProcess
