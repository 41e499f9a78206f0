"""The copy engine's value types: options, the selection protocol, listed entries, plan actions, the report.

Everything here is data, no I/O: frozen slotted records (``cargobay._record``), enums and (for the
per-file plan step) a tuple. ``plan.py`` decides with them, ``execute.py`` acts on them, the CLI
and callers read the :class:`CopyReport`.

This module is on the start-up path of every ``cargobay copy``, so it imports neither
``dataclasses`` nor ``typing`` (~15 and ~4 ms of start-up here, issue 18): the records are
:class:`~cargobay._record.Record` subclasses, :class:`PlanStep` a ``collections.namedtuple`` typed
for the checker, and the :class:`Selector` protocol lives in ``copy/selector.py``, loaded when
first asked for.
"""

from __future__ import annotations

import collections
import enum
import os
import time
from collections.abc import Callable

from cargobay import _procstat
from cargobay._lazy import lazy_exports
from cargobay._record import Record
from cargobay.copy import _platform
from cargobay.copy.fileattrs import Preserve

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

# One thread scans and copies small files; the others copy big files only (``bulk.py`` says why:
# two threads doing short system calls at once fight over the GIL). Big files gain from parallel
# streams: 100 x 10 MiB took 0.21-0.23 s on two threads against 0.36-0.38 s on one. Clamped to
# 2..8 for machines unlike the 2-core reference.
DEFAULT_WORKERS = max(2, min(8, _platform.CPU_COUNT))
DEFAULT_BUFFER_SIZE = 1 << 20


_RUNNABLE_MEMO_S = 0.25
_runnable_memo: list[float] = []  # [when (monotonic), answer] of the last look


def other_runnable() -> float:
    """:func:`look_for_other_runnable`, or its answer of less than ``_RUNNABLE_MEMO_S`` ago.

    A copy asks twice before its second process starts (how many workers, then whether to fork),
    a few milliseconds apart. Right after a burst of writes (a benchmark's set-up, a ``sync``)
    the kernel's flush threads are runnable for a moment, and each look then took ~3 ms (three
    reads 0.5 ms apart and a scan of ``/proc``): ~6 ms of a 0.19 s copy of 10,000 small files."""
    now = time.monotonic()
    if _runnable_memo and now - _runnable_memo[0] < _RUNNABLE_MEMO_S:
        return _runnable_memo[1]
    answer = look_for_other_runnable()
    _runnable_memo[:] = [now, answer]
    return answer


def look_for_other_runnable() -> float:
    """How many other tasks want a CPU right now: the runnable count of ``/proc/loadavg`` (its
    fourth field, which counts this process too) less one, the least of up to three looks 0.5 ms
    apart (kernel threads flushing a just-written filesystem are runnable for a moment); where
    that is missing, the 1-minute load average, or 0.

    A snapshot, not the 1-minute average: the average lags by a minute, and a benchmark or a
    script running commands one after another holds it near 1 by itself, which read as "one CPU
    busy" and turned the second process off where a core was free (fresh copy, 10,000 x 4 KiB,
    quiet machine: 0.19 s with it, 0.27 s without).

    Tasks niced far below this process do not count (:func:`competing_tasks`): the kernel gives
    them a sliver of a core against it, and a background job at ``nice 19`` had the second
    process declined on a machine with both cores free for us (0.30 s instead of ~0.20 s).
    """
    least = -1
    for look in range(3):
        if look:
            time.sleep(0.0005)
        runnable = _procstat.runnable_tasks()
        if runnable is None:
            least = -1
            break
        others = max(0, runnable - 1)
        least = others if least < 0 else min(least, others)
        if least == 0:
            break
    if least >= 0:
        return float(competing_tasks(least) if least else 0)
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


_NICE_GAP = 10  # CFS weights: a task 10 nice levels lower gets under a tenth of what this one gets
_SCAN_BUDGET_S = 0.005


def competing_tasks(runnable: int, proc: str = "/proc", budget_s: float = _SCAN_BUDGET_S) -> int:
    """``runnable`` (the runnable count of ``/proc/loadavg``, less this process) without the
    runnable threads this process can see that are niced ``_NICE_GAP`` levels or more below it.

    Under autogroup scheduling (on by default on many desktops), a niced task counts in full
    when it is in another group than this process: groups share the CPUs first, and a task's
    nice value only weighs inside its own group (``nice -n 19`` in another terminal competes
    as an equal: two busy loops on one CPU of the reference machine, which has autogroup on,
    got 1.19 s and 1.21 s of 2.5 s, the one at nice 0 here and the one at nice 19 in a session
    of its own).

    Only what is seen is taken off: tasks this process cannot see (another PID namespace, a
    thread that changed state since the count) still count, so the answer errs toward "busy". A
    scan that cannot read ``proc`` takes nothing off; one that outlasts ``budget_s`` (~1 ms for
    115 threads here; a desktop with thousands may stop early) takes off what it saw so far."""
    niced = 0
    try:
        mine = os.getpid()
        group = _procstat.autogroup(mine, proc)
        limit = os.getpriority(os.PRIO_PROCESS, 0) + _NICE_GAP
        deadline = time.perf_counter() + budget_s
        for pid in os.listdir(proc):
            if not pid.isdigit() or int(pid) == mine:
                continue
            if time.perf_counter() > deadline:
                break
            far = sum(1 for state, nice in _procstat.thread_states(pid, proc) if state == "R" and nice >= limit)
            # With autogroup scheduling, a task in another group (another terminal session)
            # gets its group's share whatever its nice value: it competes in full.
            if far and (group is None or _procstat.autogroup(pid, proc) == group):
                niced += far
            if niced >= runnable:
                break
    except OSError:
        pass
    return max(0, runnable - niced)


def auto_workers() -> int:
    """Worker threads for a run whose caller did not choose: :data:`DEFAULT_WORKERS`, but no more
    than the CPUs other processes leave free (:func:`other_runnable`), and at least one.

    A second thread pays only with a core to run on: on the 2-core reference machine at load ~8
    (other processes on both cores), 1 / 2 workers took 692 / 789 ms for 100 x 10 MiB after a
    delete (357 / 536 ms CPU), medians of 5-6 interleaved whole processes.
    """
    return max(1, min(DEFAULT_WORKERS, round(_platform.CPU_COUNT - other_runnable())))


class CopyProgress(Record):
    """A snapshot passed to the progress callback. Totals grow while the walk is running."""

    _fields = ("files_done", "bytes_done", "files_seen", "bytes_seen", "walking")
    __slots__ = _fields
    files_done: int
    bytes_done: int
    files_seen: int
    bytes_seen: int
    walking: bool

    def __init__(self, files_done: int, bytes_done: int, files_seen: int, bytes_seen: int, walking: bool) -> None:
        self._set(files_done, bytes_done, files_seen, bytes_seen, walking)


ProgressCallback = Callable[[CopyProgress], None]


class CopyOptions(Record):
    """How a tree is copied. Build one or pass the same names as keywords to the public functions.

    ``durable``: fsync each file and its directory before/after the rename. Off by default, as
    ``cp`` and ``rsync``: an interrupted copy still never leaves a truncated file under a real name
    (the rename comes last), but after a power cut recent files may be missing.

    ``spread``: on ext2/3/4, mark the destination root "top of a hierarchy" (``chattr +T``) for
    the length of the run so new subdirectories, and so their files, go to block groups without
    recently deleted inodes (see ``cargobay/_placement.py``); cleared again at the end.

    ``workers``: threads copying at once: one scans and copies small files, the others copy files
    of 1 MiB or more (``bulk.py``); left out (None), :func:`auto_workers` picks them.
    """

    _fields = (
        "workers",
        "buffer_size",
        "preserve",
        "symlinks",
        "hardlinks",
        "sparse",
        "verify",
        "durable",
        "reflink",
        "spread",
    )
    __slots__ = _fields
    workers: int
    buffer_size: int
    preserve: Preserve
    symlinks: bool
    hardlinks: bool
    sparse: bool
    verify: bool
    durable: bool
    reflink: bool
    spread: bool

    def __init__(
        self,
        workers: int | None = None,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        preserve: Preserve | None = None,
        symlinks: bool = True,
        hardlinks: bool = True,
        sparse: bool = True,
        verify: bool = False,
        durable: bool = False,
        reflink: bool = True,
        spread: bool = True,
    ) -> None:
        if workers is None:
            workers = auto_workers()
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if buffer_size < 4096:
            raise ValueError("buffer_size must be at least 4096")
        preserve = Preserve() if preserve is None else preserve
        self._set(workers, buffer_size, preserve, symlinks, hardlinks, sparse, verify, durable, reflink, spread)


class Kind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    FIFO = "fifo"
    DEVICE = "device"
    SOCKET = "socket"


class Entry:
    """One directory entry as listed. ``st`` is filled only when a decision needs it."""

    __slots__ = ("dirent", "kind", "link_target", "name", "st")

    def __init__(
        self,
        name: str,
        kind: Kind,
        st: os.stat_result | None = None,
        link_target: str | None = None,
        dirent: os.DirEntry[str] | None = None,  # from the listing: stats without rebuilding the path
    ) -> None:
        self.name = name
        self.kind = kind
        self.st = st
        self.link_target = link_target
        self.dirent = dirent

    def __eq__(self, other: object) -> bool:
        if type(other) is not Entry:
            return NotImplemented
        return (self.name, self.kind, self.st, self.link_target, self.dirent) == (
            other.name,
            other.kind,
            other.st,
            other.link_target,
            other.dirent,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

    def __repr__(self) -> str:
        return f"Entry(name={self.name!r}, kind={self.kind}, st={self.st!r}, link_target={self.link_target!r})"


class Op(enum.Enum):
    COPY = "copy"  # write the file under a temp name, rename over the destination
    COMPARE = "compare"  # same size and mtime: compare bytes, copy when they differ (--checksum)
    KEEP = "keep"  # unchanged
    ATTRS = "attrs"  # same content, metadata differs: set it in place
    MKDIR = "mkdir"  # create the directory and copy its contents
    DESCEND = "descend"  # the directory exists: update its contents
    SYMLINK = "symlink"  # create or replace the symlink
    SPECIAL = "special"  # create or replace a FIFO or device node
    DELETE = "delete"  # remove the destination entry (extraneous, or in the way of another type)
    SKIP = "skip"  # cannot be copied (a socket)


if TYPE_CHECKING:

    class PlanStep(NamedTuple):
        """One step of a plan for one name in one directory, with the reason it was chosen.

        A named tuple, not a dataclass: one is made for every file a run copies, and a frozen
        dataclass's ``__init__`` costs ~2x as much (0.41 vs 0.18 us here). At run time it is the
        same tuple made by ``collections.namedtuple`` (``typing`` stays off the start-up path)."""

        op: Op
        name: str
        reason: str
        src: Entry | None = None
        dst: Entry | None = None

else:
    PlanStep = collections.namedtuple("PlanStep", ("op", "name", "reason", "src", "dst"), defaults=(None, None))
    PlanStep.__doc__ = "One step of a plan for one name in one directory, with the reason it was chosen."


class PlannedAction(Record):
    """An action as a dry run reports it: the path relative to the destination root."""

    _fields = ("op", "rel", "reason")
    __slots__ = _fields
    op: Op
    rel: str
    reason: str

    def __init__(self, op: Op, rel: str, reason: str) -> None:
        self._set(op, rel, reason)

    def __str__(self) -> str:
        return f"{self.op.value:8} {self.rel}  ({self.reason})"


class CopyFailure(Record):
    """One entry that could not be copied; the rest of the copy went on."""

    _fields = ("rel", "operation", "message")
    __slots__ = _fields
    rel: str
    operation: str
    message: str

    def __init__(self, rel: str, operation: str, message: str) -> None:
        self._set(rel, operation, message)

    def __str__(self) -> str:
        return f"{self.rel or '.'}: {self.operation}: {self.message}"


class CopyReport(Record):
    """What a copy, copytree or mirror did.

    ``files``/``bytes``: regular files written and their bytes; ``skipped``: entries left as they
    were because they were unchanged; ``excluded``: entries the selection left out.
    """

    _fields = (
        "files",
        "bytes",
        "dirs",
        "symlinks",
        "hardlinks",
        "specials",
        "attrs_updated",
        "skipped",
        "excluded",
        "deleted",
        "errors",
        "planned",
        "dry_run",
        "seconds",
        "interrupted",
    )
    __slots__ = _fields
    files: int
    bytes: int
    dirs: int
    symlinks: int
    hardlinks: int
    specials: int
    attrs_updated: int
    skipped: int
    excluded: int
    deleted: int
    errors: tuple[CopyFailure, ...]
    planned: tuple[PlannedAction, ...]
    dry_run: bool
    seconds: float
    interrupted: bool  # stopped by Ctrl-C: what is counted was done; run again to finish

    def __init__(
        self,
        files: int = 0,
        bytes: int = 0,
        dirs: int = 0,
        symlinks: int = 0,
        hardlinks: int = 0,
        specials: int = 0,
        attrs_updated: int = 0,
        skipped: int = 0,
        excluded: int = 0,
        deleted: int = 0,
        errors: tuple[CopyFailure, ...] = (),
        planned: tuple[PlannedAction, ...] = (),
        dry_run: bool = False,
        seconds: float = 0.0,
        interrupted: bool = False,
    ) -> None:
        self._set(
            files,
            bytes,
            dirs,
            symlinks,
            hardlinks,
            specials,
            attrs_updated,
            skipped,
            excluded,
            deleted,
            errors,
            planned,
            dry_run,
            seconds,
            interrupted,
        )

    @property
    def ok(self) -> bool:
        return not self.errors and not self.interrupted

    def summary(self) -> str:
        verb = "would change" if self.dry_run else "interrupted after copying" if self.interrupted else "copied"
        rate = self.bytes / self.seconds / (1 << 20) if self.seconds > 0 else 0.0
        return (
            f"{verb} {self.files} files ({_human(self.bytes)}), {self.dirs} dirs, {self.symlinks} symlinks, "
            f"{self.hardlinks} hardlinks; {self.skipped} unchanged, {self.deleted} deleted, "
            f"{self.excluded} excluded, {len(self.errors)} errors in {self.seconds:.2f} s ({rate:.0f} MiB/s)"
            + ("; run the same command again to finish" if self.interrupted else "")
        )

    def raise_for_errors(self) -> None:
        """Raise :class:`~cargobay.errors.CopyError` naming the first failures, if there were any."""
        from cargobay.errors import CopyError

        if self.errors:
            shown = "; ".join(str(e) for e in self.errors[:3])
            more = f" (and {len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
            raise CopyError(f"{len(self.errors)} entries failed: {shown}{more}")


def _human(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# Selector on first use: a typing.Protocol, and start-up does without typing.
__getattr__, __dir__ = lazy_exports(__name__, {"Selector": "cargobay.copy.selector"}, globals())
