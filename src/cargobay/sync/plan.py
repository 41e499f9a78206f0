"""The sync plan: every path with its action and reason, and how it is rendered for ``--dry-run``.

:func:`build_plan` lists both endpoints, merges the listings (:mod:`cargobay.sync.march`), asks
:func:`cargobay.sync.compare.compare` about each pair, and fetches the facts the comparison
asks for (HEADs, hashes - concurrently, the only I/O here besides listing) until every path has
a final action. It decides nothing itself: actions come from ``compare`` and from the two rules
below, which are the plan's own.

* **Deletions**: with ``delete``, a destination file absent from the source is planned for
  deletion. The plan records listing and read errors; the executor does no deletion at all if
  there are any.
* **Early deletions**: a local destination cannot hold a file and a directory at one name.
  When the source has ``a/x`` and the destination a file ``a`` (or the source a file ``a``
  and the destination files under ``a/``), those destination files are deleted *before* the
  transfers that need the name (only with ``delete``; without it such a transfer fails).
* **The backup directory**: a ``backup_dir`` inside the destination holds the earlier runs'
  backups, which the source never has; no file under it is planned for deletion (else every run
  deleted them, keeping each again in its own backup, nested one level deeper). A ``backup_dir``
  that is the destination itself is refused (:class:`~cargobay.errors.UsageError`): every
  destination file would be a backup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from cargobay.errors import UsageError
from cargobay.select import Selection
from cargobay.sync.compare import SAME_MD5, compare
from cargobay.sync.endpoints import Endpoint
from cargobay.sync.march import march
from cargobay.sync.model import Entry, Need, Side, SyncAction, SyncOptions

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

_MAX_ROUNDS = 5
_SAME_MD5_REASON = SAME_MD5.reason
# Facts fetched during the merge go to the pool this many at a time: one task per file cost a
# future, a queue hand-over and a thread wake-up each (10,000 of them in a --checksum re-sync).
_BATCH = 16


class PlanItem(NamedTuple):
    """One path of the plan (a named tuple: one is made per listed file)."""

    path: str
    action: SyncAction
    reason: str
    src: Entry | None
    dst: Entry | None


class SyncPlan:
    """Ordered by path. ``errors`` are listing/read problems (they forbid deletions)."""

    __slots__ = ("dst", "dst_listed", "early_deletes", "errors", "items", "src", "src_listed", "unsupported")

    def __init__(self, src: str, dst: str) -> None:
        self.src = src
        self.dst = dst
        self.items: list[PlanItem] = []
        self.errors: list[tuple[str, str]] = []
        self.early_deletes: frozenset[str] = frozenset()
        self.unsupported: list[str] = []
        self.src_listed: list[str] = []
        self.dst_listed: list[str] = []

    def __repr__(self) -> str:
        return f"SyncPlan(src={self.src!r}, dst={self.dst!r}, items={len(self.items)}, errors={self.errors!r})"

    @property
    def copies(self) -> list[PlanItem]:
        return [i for i in self.items if i.action is SyncAction.COPY]

    @property
    def deletes(self) -> list[PlanItem]:
        return [i for i in self.items if i.action is SyncAction.DELETE]

    @property
    def skips(self) -> list[PlanItem]:
        return [i for i in self.items if i.action is SyncAction.SKIP]

    def render(self, *, verbose: bool = False) -> str:
        """One line per change (``copy``/``delete``) with its reason; skips too when ``verbose``."""
        lines = [f"plan: {self.src} -> {self.dst}"]
        for item in self.items:
            if item.action is SyncAction.SKIP and not verbose:
                continue
            size = item.src.size if item.src is not None else item.dst.size if item.dst is not None else 0
            tag = "delete (before transfers)" if item.path in self.early_deletes else item.action.value
            lines.append(f"{tag:<7} {item.path}  [{item.reason}; {size} bytes]")
        for path in self.unsupported:
            lines.append(f"ignore  {path}  [S3 holds regular files only]")
        for path, message in self.errors:
            lines.append(f"error   {path}  [{message}]")
        copies, deletes = self.copies, self.deletes
        lines.append(
            f"{len(copies)} to copy ({sum(i.src.size for i in copies if i.src)} bytes), "
            f"{len(self.skips)} unchanged, {len(deletes)} to delete, {len(self.errors)} errors"
        )
        return "\n".join(lines)


def _early_deletes(items: list[PlanItem]) -> frozenset[str]:
    copies = {i.path for i in items if i.action is SyncAction.COPY}
    deletes = {i.path for i in items if i.action is SyncAction.DELETE}
    early: set[str] = set()
    if not copies or not deletes:
        return frozenset()
    for c in copies:  # a destination file where a source directory must go
        parts = c.split("/")
        for n in range(1, len(parts)):
            a = "/".join(parts[:n])
            if a in deletes:
                early.add(a)
    for d in deletes:  # destination files under a name that becomes a source file
        parts = d.split("/")
        for n in range(1, len(parts)):
            if "/".join(parts[:n]) in copies:
                early.add(d)
                break
    return frozenset(early)


def _backup_prefix(dst: Endpoint, options: SyncOptions) -> str | None:
    """``"<rel>/"`` when the run's backup directory lies inside the destination, else None."""
    if options.backup_dir is None:
        return None
    inside = dst.path_of(dst.open_backup(options.backup_dir))
    if inside == "":
        raise UsageError(f"--backup-dir must not be the destination itself ({options.backup_dir})")
    return None if inside is None else inside + "/"


def _merge(
    src: Endpoint,
    dst: Endpoint,
    selection: Selection,
    src_errors: list[str],
    dst_errors: list[str],
    on_src_only: Callable[[Entry], None],
    on_dst_only: Callable[[Entry], None],
    on_both: Callable[[Entry, Entry], None],
) -> None:
    """Both listings, merged in path order (the destination's started first: it is the slower;
    an endpoint whose listing waits on a server fetches ahead, see :meth:`Endpoint.open_listing`)."""
    dst_entries = dst.open_listing(selection, errors=dst_errors)
    try:
        src_entries = src.open_listing(selection, errors=src_errors)
        try:
            march(src_entries, dst_entries, on_src_only=on_src_only, on_dst_only=on_dst_only, on_both=on_both)
        finally:
            src_entries.close()
    finally:
        dst_entries.close()


def build_plan(
    src: Endpoint,
    dst: Endpoint,
    *,
    options: SyncOptions,
    selection: Selection,
    on_listed: Callable[[int], None] | None = None,
) -> SyncPlan:
    """List, merge, compare and resolve; raises :class:`SyncError` if a listing fails outright."""
    plan = SyncPlan(src.describe(), dst.describe())
    backups = _backup_prefix(dst, options)
    src_errors: list[str] = []
    dst_errors: list[str] = []
    extra: list[Entry] = []
    src_listed: list[str] = []
    dst_listed: list[str] = []
    items: dict[str, PlanItem] = {}
    needs: list[tuple[Entry, Entry | None, Need | None]] = []
    checksum, part_size = options.checksum, options.part_size
    make = tuple.__new__  # PlanItem without its Python-level __new__: once per listed file

    def resolve(job: tuple[Entry, Entry | None, Need | None]) -> tuple[Entry, Entry | None] | None:
        s, d, need = job
        assert d is not None and need is not None
        try:
            if need.side is Side.SRC:
                return src.fetch(s, need), d
            return s, dst.fetch(d, need)
        except Exception as exc:  # OSError, SyncError, botocore errors (network, access denied)
            plan.errors.append((s.path, f"cannot read: {exc}"))
        return None

    # Facts the first comparison asks for (an MD5 to hash, a HEAD to send) are fetched by a pool
    # as soon as the merge meets the path, while the listings still run: with --checksum every
    # file is hashed, and hashing then overlaps the wait for the remote listing.
    pool: ThreadPoolExecutor | None = None
    early: list[Future[list[tuple[Entry, Entry | None] | None]]] = []
    batch: list[tuple[Entry, Entry | None, Need | None]] = []

    def resolve_all(jobs: list[tuple[Entry, Entry | None, Need | None]]) -> list[tuple[Entry, Entry | None] | None]:
        """:func:`resolve` of each, asking each endpoint for its facts in one call."""
        out: list[tuple[Entry, Entry | None] | None] = [None] * len(jobs)
        for side, ep in ((Side.SRC, src), (Side.DST, dst)):
            mine = [i for i, job in enumerate(jobs) if job[2] is not None and job[2].side is side]
            if not mine:
                continue
            asked: list[tuple[Entry, Need]] = []
            for i in mine:
                s, d, need = jobs[i]
                assert d is not None and need is not None
                asked.append((s if side is Side.SRC else d, need))
            for i, got in zip(mine, ep.fetch_many(asked), strict=True):
                s, d, _need = jobs[i]
                if isinstance(got, Exception):
                    plan.errors.append((s.path, f"cannot read: {got}"))
                else:
                    out[i] = (got, d) if side is Side.SRC else (s, got)
        return out

    def submit_batch() -> None:
        nonlocal pool, batch
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor  # only when facts are needed (import: 2 ms)

            pool = ThreadPoolExecutor(max(1, options.transfers), thread_name_prefix="cargobay-compare")
        early.append(pool.submit(resolve_all, batch))
        batch = []

    def decide(s: Entry, d: Entry | None, final: bool) -> None:
        decision = compare(s, d, checksum=checksum, part_size=part_size)
        action = decision[0]
        if action is SyncAction.NEED and not final and not listed:
            batch.append((s, d, decision.need))
            if len(batch) == _BATCH:
                submit_batch()
        elif action is SyncAction.NEED and not final:
            needs.append((s, d, decision.need))
        elif action is SyncAction.NEED:
            items[s.path] = PlanItem(s.path, SyncAction.COPY, "could not compare: " + decision.reason, s, d)
        else:
            items[s.path] = make(PlanItem, (s.path, action, decision[1], s, d))

    # The first comparison of each path is made as the merge meets it: the merge mostly waits for
    # the remote listing, and this work fills that wait instead of following the last page.
    def on_src_only(s: Entry) -> None:
        src_listed.append(s.path)
        decide(s, None, False)

    def on_dst_only(d: Entry) -> None:
        dst_listed.append(d.path)
        extra.append(d)

    skip, same_md5 = SyncAction.SKIP, _SAME_MD5_REASON
    src_append, dst_append = src_listed.append, dst_listed.append

    def on_both(s: Entry, d: Entry) -> None:
        path = s[0]
        src_append(path)
        dst_append(d[0])
        # compare()'s rule 3 for the no-change case (same size, both MD5s known and equal),
        # without its call: a no-change re-sync of 10,000 files takes this branch for each.
        if s[1] == d[1] and s[3] is not None and s[3] == d[3]:
            items[path] = make(PlanItem, (path, skip, same_md5, s, d))
        else:
            decide(s, d, False)

    listed = False
    src.start()
    dst.start()
    try:
        _merge(src, dst, selection, src_errors, dst_errors, on_src_only, on_dst_only, on_both)
        listed = True
        if batch:
            submit_batch()
        resolved = [r for f in early for r in f.result()]
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    for r in resolved:
        if r is not None:
            decide(r[0], r[1], _MAX_ROUNDS <= 2)
    plan.errors.extend(("(listing)", f"{src.describe()}: {e}") for e in src_errors)
    plan.errors.extend(("(listing)", f"{dst.describe()}: {e}") for e in dst_errors)
    plan.unsupported = list(src.unsupported)
    plan.src_listed = src_listed  # in path order: the merge reports paths in order
    plan.dst_listed = dst_listed
    if on_listed is not None:
        on_listed(len(src_listed))

    rounds = 2 if early else 1
    while needs:
        workers = max(1, min(options.transfers, len(needs)))
        if workers == 1:
            resolved = [resolve(j) for j in needs]
        else:
            from concurrent.futures import ThreadPoolExecutor  # only when facts are needed (import: 2 ms)

            with ThreadPoolExecutor(workers, thread_name_prefix="cargobay-compare") as pool:
                resolved = list(pool.map(resolve, needs))
        rounds += 1
        needs = []
        for r in resolved:
            if r is not None:
                decide(r[0], r[1], rounds >= _MAX_ROUNDS)

    if options.delete:
        for d in extra:
            if backups is None or not d.path.startswith(backups):
                items[d.path] = PlanItem(d.path, SyncAction.DELETE, "not in the source", None, d)
    plan.items = [items[k] for k in sorted(items)]
    plan.errors.sort()
    if options.delete and not dst.holds_file_and_dir_at_same_name:
        plan.early_deletes = _early_deletes(plan.items)
    return plan
