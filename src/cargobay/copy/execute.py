"""Run a tree copy or mirror and collect a typed :class:`CopyReport`.

Work comes in two kinds, run in order by one worker (``schedule.WorkQueue``), while further
threads copy big files handed over to them (``bulk.py``, which says why the split):

* a **directory task** lists the source directory (and the destination one unless it was just
  created; ``pairing.py`` pairs the two listings and drops unchanged files), asks the selection and
  ``plan.plan_directory`` what to do, performs deletions and ``mkdir`` at once, queues child
  directories, and queues the remaining actions in small batches;
* a **file batch** copies files, creates symlinks and special files, or fixes metadata in place
  (``batches.py``).

The queue bounds memory by the largest directory, never by the tree. After the work, two
serial phases: hard-link groups (``links.py``: every later member of a ``(st_dev, st_ino)`` group
is linked to the first member's copy), and directory metadata, deepest first, so a directory's
mtime and mode are set after everything inside it changed. Counting, failures and the report
belong to ``tally.py``.

Speed, each measured (see ``cargobay bench copy``): a batch opens its two directories once and
names files relative to them; a file whose name is absent is created unnamed (``O_TMPFILE``) and
linked when complete, else written to a temp name and renamed over the old one; the destination
root carries ext4's ``FS_TOPDIR_FL`` hint for the run (``cargobay/_placement.py``); a no-change mirror
drops unchanged files before building any per-entry object.

Executors never decide: every choice comes from ``plan.py`` except three, taken in ``batches.py``,
that need the bytes in hand (``Op.COMPARE``: copy only when contents differ), the open descriptor
(a file whose ``fstat`` shows other links joins its hard-link group instead of being copied again)
or the run's group claims (a destination inode another source group kept is copied instead,
``links.py``; a dry run does not predict this one). One failing entry is
recorded as a :class:`~cargobay.copy.model.CopyFailure` and the rest go on; a ``BaseException``
(Ctrl-C, a crash) stops the run and its helpers, and every file the worker is writing is dropped: an unnamed one is
freed by the kernel, a temp-named one is removed by ``AtomicFile`` (after a hard kill it stays
under its temp name, and a later mirror deletes it); a helper finishes the file in hand first
(``BulkCopier.join``), so a fresh copy's tree is renamed into place only once it holds no file
being written.
"""

from __future__ import annotations

import os
import time

from cargobay._placement import spread_subdirs, unspread
from cargobay.copy import _platform, fresh
from cargobay.copy.batches import BatchRunner
from cargobay.copy.bulk import BulkCopier
from cargobay.copy.fastpaths import MethodLadder
from cargobay.copy.fileattrs import apply_path_attrs, attrs_differ
from cargobay.copy.links import LinkGroups
from cargobay.copy.model import (
    CopyOptions,
    CopyReport,
    Entry,
    Kind,
    Op,
    PlannedAction,
    PlanStep,
    ProgressCallback,
)
from cargobay.copy.moved import MovedCtimes, remove
from cargobay.copy.pairing import drop_unchanged, stat_common
from cargobay.copy.plan import PlanRules, plan_directory, unchanged_test
from cargobay.copy.prober import Prober
from cargobay.copy.schedule import Batch, WorkQueue
from cargobay.copy.split import Claims, Split, subdirs_for_a_second_process
from cargobay.copy.tally import Tally
from cargobay.copy.tasks import DirMeta, DirTask, join_rel
from cargobay.copy.walker import fill_stat, list_dir, scan_dir
from cargobay.copy.writable import changes_entries, open_up
from cargobay.copy.writer import FileWriter
from cargobay.errors import Interrupted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from cargobay.copy.selector import Selector

# Actions per file batch. A batch opens its two directories (two opens, an fstat, two closes)
# and is the step at which a progress display moves while the walk goes on, so with a progress
# callback batches stay small; without one they are long: 10,000 x 4 KiB on tmpfs, one process,
# 9 runs: 127-128 ms with 128 a batch against 133-135 ms with 16.
_BATCH = 16
_BATCH_QUIET = 128


class Engine:
    """One run: copy (``rules.update=False``), update or mirror ``src_root`` onto ``dst_root``."""

    def __init__(
        self,
        src_root: str,
        dst_root: str,
        *,
        options: CopyOptions,
        rules: PlanRules,
        fresh_root: bool,
        select: Selector | None = None,
        progress: ProgressCallback | None = None,
        dry_run: bool = False,
        split_child: bool = False,
    ) -> None:
        self.src_root = src_root
        self.dst_root = dst_root
        self.opts = options
        self.rules = rules
        self._unchanged = unchanged_test(rules)
        # Only xattrs and ACLs are judged by ctime (``fileattrs.attrs_differ``), and only a run
        # that deletes or replaces moves a destination ctime (``moved.py``).
        xattrs = (options.preserve.xattrs or options.preserve.acls) and _platform.HAS_XATTR
        self._moved = MovedCtimes() if rules.update and xattrs and not dry_run else None
        self._moves_heeded = False
        self.fresh_root = fresh_root
        self.select = select
        self.progress = progress
        self.dry_run = dry_run
        self.ladder = MethodLadder(buffer_size=options.buffer_size, use_reflink=options.reflink)
        self.writer = FileWriter(self.ladder, options)
        # Scans and small files run on one worker; further workers only copy big files (see
        # ``bulk.py`` for the measurements behind this split).
        self._queue = WorkQueue()
        helpers = options.workers > 1 and not dry_run and not split_child
        self._bulk = BulkCopier(options.workers - 1) if helpers else None
        # A fresh copy with a CPU to spare: a forked child copies the root's subdirectories in
        # ``_split_owned`` (see ``fresh.start_split``); the child's engine hands back, in
        # ``_handed_back``, the files with other hard links (their groups may span both halves).
        self._split: Split | None = None
        self._split_owned: frozenset[str] = frozenset()
        self._claims: Claims | None = None  # of ``_split_owned``, shared with the child
        self._claimed: list[str] = []  # the subdirectories of ``_split_owned`` this engine took
        self._handed_back: list[str] | None = [] if split_child else None
        self.tally = Tally(progress)
        self._lock = self.tally.lock
        self._fail = self.tally.fail
        self._planned = self.tally.planned
        self._dir_meta: list[DirMeta] = []
        self._groups = LinkGroups()
        self._batches = BatchRunner(
            options=options,
            writer=self.writer,
            tally=self.tally,
            groups=self._groups,
            bulk=self._bulk,
            handed_back=self._handed_back,
            moved=self._moved,
            progress=progress,
        )
        self._prober: Prober | None = None
        self._batch = _BATCH if progress is not None else _BATCH_QUIET

    # ------------------------------------------------------------------ driver

    def run(self) -> CopyReport:
        started = time.perf_counter()
        spread = False
        final_root = self.dst_root
        hidden = self.fresh_root and not self.dry_run and not self.opts.durable
        if hidden:
            self.dst_root = fresh.hidden_root(final_root)
            self.writer.hidden_tree = True
        if not self.dry_run:
            if self.fresh_root:
                os.mkdir(self.dst_root, 0o700)
                with self._lock:
                    self.tally.dirs += 1
            self.writer.dst_dev = os.stat(self.dst_root).st_dev
            spread = self.opts.spread and spread_subdirs(self.dst_root)
        elif self.fresh_root:
            self._planned.append(PlannedAction(Op.MKDIR, ".", "new"))
        interrupted = False
        try:
            # Inside the try: a Ctrl-C as a second process starts still reaps it (finally).
            if self._quick_run() and self._unchanged is not None:
                subdirs = self._prober_subdirs()
                if subdirs:
                    self._prober = Prober.start(self.src_root, self.dst_root, self._unchanged, subdirs)
            fresh.start_split(self)
            dst_st = None if self.fresh_root else os.stat(self.dst_root)
            self._queue.push_dir(DirTask("", self.fresh_root, dst_st, 0))
            after_task = None if self.progress is None else self._progress_while_walking
            try:
                try:
                    self._queue.run(self._run_dir_task, self._run_batch, after_task)
                except BaseException:
                    if self._bulk is not None:
                        self._bulk.stop()
                    raise
                finally:
                    if self._bulk is not None:
                        self._bulk.join()
            except KeyboardInterrupt:
                # Ctrl-C: the workers stopped between entries (the queue joined them); what is
                # done stays (every file published whole), the hard-link and directory-metadata
                # phases are left to the rerun, which skips what this run finished. Raised again
                # below as Interrupted, carrying the report.
                interrupted = True
            if self._split is not None:
                try:
                    interrupted = fresh.finish_split(self, interrupted, after_task)
                except KeyboardInterrupt:
                    interrupted = True
            if not self.dry_run and not interrupted:
                self._link_phase()
                self._dir_meta_phase()
        finally:
            try:
                if self._split is not None:  # an error stopped the run: reap the child
                    fresh.close_claims(self)
                    self._split.interrupt()
                    self._split.collect()
                if self._prober is not None:
                    self._prober.close()
                if spread:
                    unspread(self.dst_root)
            finally:  # also after a Ctrl-C landing in the steps above
                if hidden:
                    fresh.reveal(self, final_root)
        self.tally.report_progress(force=True, walking=False)
        report = self.tally.report(dry_run=self.dry_run, seconds=time.perf_counter() - started, interrupted=interrupted)
        if interrupted:
            raise Interrupted(report)
        return report

    def _quick_run(self) -> bool:
        """Whether existing directories are paired by ``drop_unchanged`` (see :meth:`_run_dir`)."""
        return self.rules.update and self.select is None and self.opts.symlinks

    def _prober_subdirs(self) -> list[str]:
        """The root's subdirectories, when a prober process (``prober.py``) may pay off: an
        existing destination, no progress callback, a CPU to spare, two subdirectories or more."""
        if self.fresh_root or self.progress is not None:
            return []
        return subdirs_for_a_second_process(self.src_root)

    def _progress_while_walking(self) -> None:
        self.tally.report_progress(force=False, walking=True)

    # ------------------------------------------------------------------ directories

    def _src(self, rel: str) -> str:
        return os.path.join(self.src_root, rel) if rel else self.src_root

    def _dst(self, rel: str) -> str:
        return os.path.join(self.dst_root, rel) if rel else self.dst_root

    def _run_dir_task(self, task: object) -> None:
        assert isinstance(task, DirTask)
        self._run_dir(task)

    def _run_dir(self, task: DirTask) -> None:
        rel = task.rel
        src_dir, dst_dir = self._src(rel), self._dst(rel)
        follow = not self.opts.symlinks
        quick = self.rules.update and not task.fresh and self.select is None and not follow
        if self._moved is not None and self._moved.before and not self._moves_heeded:
            self._heed_moves(self._moved)
        try:
            dir_st = os.stat(src_dir) if follow else os.lstat(src_dir)
            # A directory the prober (a second process) paired already needs no listing here.
            answer = self._prober.result(rel) if quick and self._prober is not None and self._prober.owns(rel) else None
            if quick and answer is None:
                src_des = scan_dir(src_dir, skip_temp=True)
            elif not quick:
                entries = list_dir(src_dir, skip_temp=True, follow_symlinks=follow)
        except OSError as exc:
            # Nothing is deleted in a directory whose source could not be listed.
            self._fail(rel, "list source directory", exc)
            return
        listed_dst: list[Entry] | None = None
        if quick:
            if answer is not None:
                kept, entries, listed_dst = answer
            else:
                try:
                    entries, listed_dst, kept = drop_unchanged(src_dir, dst_dir, src_des, self._unchanged)
                except OSError as exc:
                    self._fail(rel, "list destination directory", exc)
                    return
            self.tally.add_skipped(kept)
        ancestors = task.ancestors
        if follow:
            here = (dir_st.st_dev, dir_st.st_ino)
            if here in ancestors:
                self._fail(rel, "descend", "symlink loop: this directory is one of its own ancestors")
                return
            ancestors = ancestors | {here}
        protected: set[str] = set()
        selected: list[Entry] = []
        excluded = 0
        if self.select is None and self.progress is None:
            selected, entries = entries, []  # nothing to ask of an entry: all of them go on
        for e in entries:
            erel = join_rel(rel, e.name)
            try:
                if self.select is not None:
                    if e.kind is Kind.DIR:
                        if not self.select.may_descend(erel):
                            protected.add(e.name)
                            excluded += 1
                            continue
                    else:
                        fill_stat(src_dir, e)
                        assert e.st is not None
                        if not self.select.includes_file(erel, e.st):
                            protected.add(e.name)
                            excluded += 1
                            continue
                if self.progress is not None and e.kind is Kind.FILE:
                    fill_stat(src_dir, e)
            except OSError as exc:
                protected.add(e.name)
                self._fail(erel, "stat source", exc)
                continue
            selected.append(e)

        dst_entries: list[Entry] | None = listed_dst
        if dst_entries is None and not task.fresh:
            try:
                dst_entries = list_dir(dst_dir, skip_temp=False)
            except OSError as exc:
                self._fail(rel, "list destination directory", exc)
                return
        if dst_entries and self.rules.update:

            def stat_failed(name: str, operation: str, exc: OSError) -> None:
                protected.add(name)
                self._fail(join_rel(rel, name), operation, exc)

            selected, kept = stat_common(src_dir, dst_dir, selected, dst_entries, self._unchanged, stat_failed)
            self.tally.add_skipped(kept)

        moved = self._moved
        actions = plan_directory(
            selected, dst_entries, self.rules, protected=frozenset(protected), moved=moved.before if moved else None
        )
        if moved is not None:
            moved.note_actions(dst_dir, actions)

        with self._lock:
            self.tally.excluded += excluded
            # Progress totals count the work to do, not what is already there (no callback, no
            # totals: a fresh copy of small files would count each file here for nothing).
            for a in actions if self.progress is not None else ():
                if (a.op is Op.COPY or a.op is Op.COMPARE) and a.src is not None:
                    self.tally.files_seen += 1
                    if a.src.st is not None:
                        self.tally.bytes_seen += a.src.st.st_size

        if self.dry_run:
            self._plan_only(task, actions, ancestors)
            return

        changed = task.fresh
        restore_mode = None
        if not task.fresh and changes_entries(actions, hardlinks=self.opts.hardlinks):
            restore_mode = open_up(dst_dir, task.dst_st)
            changed = changed or restore_mode is not None
        batch: list[PlanStep] = []
        for a in actions:
            op = a.op
            if op is Op.DESCEND or op is Op.MKDIR:
                if not rel and a.name in self._split_owned:
                    continue  # the second process copies it
                if op is Op.MKDIR:
                    try:
                        os.mkdir(os.path.join(dst_dir, a.name), 0o700)
                    except OSError as exc:
                        self._fail(join_rel(rel, a.name), "mkdir", exc)
                        continue
                    changed = True
                    with self._lock:
                        self.tally.dirs += 1
                dst_child_st = a.dst.st if a.dst is not None else None
                child = DirTask(join_rel(rel, a.name), op is Op.MKDIR, dst_child_st, task.depth + 1, ancestors)
                self._queue.push_dir(child)
            elif op is Op.DELETE:
                changed = True
                self._delete(rel, dst_dir, a)
            elif op is Op.KEEP or op is Op.SKIP:
                src_st = a.src.st if a.src is not None else None
                if op is Op.KEEP and self.opts.hardlinks and src_st is not None and src_st.st_nlink > 1:
                    batch.append(a)
                else:
                    with self._lock:
                        self.tally.skipped += 1
            else:
                changed = True
                batch.append(a)
                if len(batch) >= self._batch:
                    self._queue.push_batch(rel, batch)
                    batch = []
        if batch:
            self._queue.push_batch(rel, batch)
        if changed or task.dst_st is None or attrs_differ(dir_st, task.dst_st, self.opts.preserve):
            with self._lock:
                self._dir_meta.append(DirMeta(task.depth, rel, dir_st, restore_mode))

    def _heed_moves(self, moved: MovedCtimes) -> None:
        """Once a destination ctime was moved: pairing keeps no noted inode, and the prober's
        snapshot, maybe taken after the move, is no longer used (nor is the prober)."""
        self._unchanged = unchanged_test(self.rules, moved.before)
        self._moves_heeded = True
        if self._prober is not None:
            self._prober.close()
            self._prober = None

    def _plan_only(self, task: DirTask, actions: list[PlanStep], ancestors: frozenset[tuple[int, int]]) -> None:
        rel = task.rel
        with self._lock:
            for a in actions:
                if a.op is Op.KEEP or a.op is Op.DESCEND:
                    if a.op is Op.KEEP:
                        self.tally.skipped += 1
                    continue
                self._planned.append(PlannedAction(a.op, join_rel(rel, a.name), a.reason))
                if a.op is Op.DELETE:
                    self.tally.deleted += 1
                elif a.op is Op.MKDIR:
                    self.tally.dirs += 1
                elif a.op is Op.COPY:
                    self.tally.files += 1
                    if a.src is not None and a.src.st is not None:
                        self.tally.bytes += a.src.st.st_size
        for a in actions:
            if a.op is Op.MKDIR or a.op is Op.DESCEND:
                dst_st = a.dst.st if a.dst else None
                self._queue.push_dir(
                    DirTask(join_rel(rel, a.name), a.op is Op.MKDIR, dst_st, task.depth + 1, ancestors)
                )

    def _delete(self, rel: str, dst_dir: str, a: PlanStep) -> None:
        # ``a.name`` comes from a listing of ``dst_dir``: one path component, never '..' or '/'.
        assert "/" not in a.name and a.name not in ("", ".", "..")
        path = os.path.join(dst_dir, a.name)
        try:
            remove(path, is_dir=a.dst is not None and a.dst.kind is Kind.DIR, moved=self._moved)
        except FileNotFoundError:
            return
        except OSError as exc:
            self._fail(join_rel(rel, a.name), "delete", exc)
            return
        with self._lock:
            self.tally.deleted += 1

    # ------------------------------------------------------------------ entries

    def _run_batch(self, batch: Batch) -> None:
        """A file batch is run by the :class:`~cargobay.copy.batches.BatchRunner`, in the batch's
        directory under the roots as they are now (a fresh copy's destination is renamed at the end)."""
        self._batches.run(batch, self._src(batch.rel_dir), self._dst(batch.rel_dir))

    # ------------------------------------------------------------------ final phases

    def _link_phase(self) -> None:
        touched = self._groups.relink(self._dst, self.tally)
        # A relink changes its directory's mtime even where the plan saw no change there.
        scheduled = {m.rel for m in self._dir_meta}
        for rel in sorted(touched - scheduled):
            try:
                st = os.stat(self._src(rel)) if not self.opts.symlinks else os.lstat(self._src(rel))
            except OSError as exc:
                self._fail(rel, "stat source directory", exc)
                continue
            self._dir_meta.append(DirMeta(rel.count("/") + 1 if rel else 0, rel, st))

    def _dir_meta_phase(self) -> None:
        self._dir_meta.sort(key=lambda m: m.depth, reverse=True)
        for meta in self._dir_meta:
            try:
                apply_path_attrs(self._dst(meta.rel), meta.st, self.opts.preserve, src=self._src(meta.rel))
                if meta.restore_mode is not None and not self.opts.preserve.mode:
                    os.chmod(self._dst(meta.rel), meta.restore_mode)
            except OSError as exc:
                self._fail(meta.rel, "set directory metadata", exc)
