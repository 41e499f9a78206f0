"""File-tree models for tests: write a model to disk, apply edits, compare two trees on disk.

A model is a ``dict`` from '/'-joined relative path to a spec (:class:`FileSpec`,
:class:`DirSpec`, :class:`SymlinkSpec`, :class:`HardLinkSpec`); parents come before children.
:func:`compare_trees` checks what the copy engine promises to preserve: kinds, bytes, symlink
targets, permission bits, nanosecond mtimes, ownership, xattrs, hard-link groups (and optionally
holes), and returns a :class:`TreeDiff` whose lines say what differs where. The strategies that
generate models and edits live in :mod:`cargobay.testing.strategies`.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from cargobay._fsutil import is_temp_name


@dataclass(frozen=True)
class FileSpec:
    """A regular file: ``hole_before`` bytes of hole, ``data``, then ``hole_after`` bytes of hole."""

    data: bytes = b""
    mode: int = 0o644
    mtime_ns: int = 1_600_000_000_123_456_789
    xattrs: tuple[tuple[str, bytes], ...] = ()
    hole_before: int = 0
    hole_after: int = 0

    @property
    def size(self) -> int:
        return self.hole_before + len(self.data) + self.hole_after


@dataclass(frozen=True)
class DirSpec:
    mode: int = 0o755
    mtime_ns: int = 1_600_000_000_987_654_321
    xattrs: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class SymlinkSpec:
    """``target`` verbatim, or with ``absolute`` the target joined to the tree root at write time."""

    target: str
    absolute: bool = False
    mtime_ns: int = 1_600_000_000_555_555_555


@dataclass(frozen=True)
class HardLinkSpec:
    """Another name for the :class:`FileSpec` at ``to``."""

    to: str


Spec = FileSpec | DirSpec | SymlinkSpec | HardLinkSpec
TreeModel = Mapping[str, Spec]


def _set_xattrs(path: str, xattrs: Iterable[tuple[str, bytes]]) -> None:
    for name, value in xattrs:
        try:
            os.setxattr(path, name, value, follow_symlinks=False)
        except OSError as exc:  # a filesystem without user xattrs: the model cannot be honoured
            if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
                raise


def write_tree(model: TreeModel, root: str) -> None:
    """Create ``root`` and everything in ``model`` with the exact modes, times and xattrs."""
    os.makedirs(root, exist_ok=True)
    files: list[tuple[str, FileSpec]] = []
    dirs: list[tuple[str, DirSpec]] = [("", DirSpec())] if "" not in model else []
    for rel, spec in model.items():
        path = os.path.join(root, rel) if rel else root
        if isinstance(spec, DirSpec):
            os.makedirs(path, mode=0o700, exist_ok=True)
            dirs.append((rel, spec))
            continue
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        if isinstance(spec, FileSpec):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                if spec.data:
                    os.pwrite(fd, spec.data, spec.hole_before)
                os.ftruncate(fd, spec.size)
            finally:
                os.close(fd)
            files.append((path, spec))
        elif isinstance(spec, SymlinkSpec):
            target = os.path.join(root, spec.target) if spec.absolute else spec.target
            os.symlink(target, path)
        elif isinstance(spec, HardLinkSpec):
            os.link(os.path.join(root, spec.to), path)
    for path, fspec in files:
        _set_xattrs(path, fspec.xattrs)
        os.chmod(path, fspec.mode)
        os.utime(path, ns=(fspec.mtime_ns, fspec.mtime_ns))
    for rel, spec in model.items():
        if isinstance(spec, SymlinkSpec):
            p = os.path.join(root, rel)
            os.utime(p, ns=(spec.mtime_ns, spec.mtime_ns), follow_symlinks=False)
    for rel, dspec in sorted(dirs, key=lambda d: d[0].count("/") + (1 if d[0] else 0), reverse=True):
        path = os.path.join(root, rel) if rel else root
        _set_xattrs(path, dspec.xattrs)
        os.chmod(path, dspec.mode)
        os.utime(path, ns=(dspec.mtime_ns, dspec.mtime_ns))


# ---------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class TreeDiff:
    """The differences between two trees, one readable line each; falsy when the trees are equal."""

    differences: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.differences)

    def __str__(self) -> str:
        return "\n".join(self.differences) if self.differences else "trees are equal"

    def paths(self) -> set[str]:
        return {d.split(":", 1)[0] for d in self.differences}


def _listing(root: str, ignore_temp: bool) -> dict[str, os.stat_result]:
    out: dict[str, os.stat_result] = {"": os.lstat(root)}
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            for de in it:
                if ignore_temp and is_temp_name(de.name):
                    continue
                r = f"{rel}/{de.name}" if rel else de.name
                st = de.stat(follow_symlinks=False)
                out[r] = st
                if stat.S_ISDIR(st.st_mode):
                    stack.append(r)
    return out


def _xattrs(path: str) -> dict[str, bytes]:
    try:
        return {n: os.getxattr(path, n, follow_symlinks=False) for n in os.listxattr(path, follow_symlinks=False)}
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
            return {}
        raise


def _same_bytes(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def _groups(listing: dict[str, os.stat_result]) -> dict[str, tuple[str, ...]]:
    by_inode: dict[tuple[int, int], list[str]] = {}
    for rel, st in listing.items():
        if stat.S_ISREG(st.st_mode):
            by_inode.setdefault((st.st_dev, st.st_ino), []).append(rel)
    return {rel: tuple(sorted(g)) for g in by_inode.values() if len(g) > 1 for rel in g}


def compare_trees(
    a: str,
    b: str,
    *,
    modes: bool = True,
    times: bool = True,
    ownership: bool = True,
    xattrs: bool = True,
    hardlinks: bool = True,
    holes: bool = False,
    root_metadata: bool = True,
    ignore_temp: bool = False,
) -> TreeDiff:
    """Compare tree ``b`` against ``a`` without following symlinks.

    ``holes``: also require that ``b`` allocates no more blocks than ``a`` for each sparse file of
    ``a`` (so holes were kept). ``ignore_temp``: leave out atomic-write temp files (by default they
    are reported, since none should remain).
    """
    la, lb = _listing(a, ignore_temp), _listing(b, ignore_temp)
    diffs: list[str] = []
    for rel in sorted(la.keys() - lb.keys()):
        diffs.append(f"{rel}: missing from {b}")
    for rel in sorted(lb.keys() - la.keys()):
        diffs.append(f"{rel}: extra in {b}")
    ga, gb = (_groups(la), _groups(lb)) if hardlinks else ({}, {})
    for rel in sorted(la.keys() & lb.keys()):
        sa, sb = la[rel], lb[rel]
        pa = os.path.join(a, rel) if rel else a
        pb = os.path.join(b, rel) if rel else b
        label = rel or "."
        if stat.S_IFMT(sa.st_mode) != stat.S_IFMT(sb.st_mode):
            diffs.append(f"{label}: kind {stat.filemode(sa.st_mode)[0]} != {stat.filemode(sb.st_mode)[0]}")
            continue
        if not rel and not root_metadata:
            continue
        is_link = stat.S_ISLNK(sa.st_mode)
        if stat.S_ISREG(sa.st_mode):
            if sa.st_size != sb.st_size:
                diffs.append(f"{label}: size {sa.st_size} != {sb.st_size}")
            elif not _same_bytes(pa, pb):
                diffs.append(f"{label}: content differs")
            if holes and sa.st_blocks * 512 < sa.st_size and sb.st_blocks > sa.st_blocks:
                diffs.append(f"{label}: holes not kept ({sa.st_blocks} blocks -> {sb.st_blocks})")
            if ga.get(rel) != gb.get(rel):
                diffs.append(f"{label}: hard-link group {ga.get(rel)} != {gb.get(rel)}")
        if is_link and os.readlink(pa) != os.readlink(pb):
            diffs.append(f"{label}: symlink target {os.readlink(pa)!r} != {os.readlink(pb)!r}")
        if (stat.S_ISCHR(sa.st_mode) or stat.S_ISBLK(sa.st_mode)) and sa.st_rdev != sb.st_rdev:
            diffs.append(f"{label}: device {sa.st_rdev} != {sb.st_rdev}")
        if modes and not is_link and stat.S_IMODE(sa.st_mode) != stat.S_IMODE(sb.st_mode):
            diffs.append(f"{label}: mode {stat.S_IMODE(sa.st_mode):o} != {stat.S_IMODE(sb.st_mode):o}")
        if times and sa.st_mtime_ns != sb.st_mtime_ns:
            diffs.append(f"{label}: mtime_ns {sa.st_mtime_ns} != {sb.st_mtime_ns}")
        if ownership and (sa.st_uid, sa.st_gid) != (sb.st_uid, sb.st_gid):
            diffs.append(f"{label}: owner {sa.st_uid}:{sa.st_gid} != {sb.st_uid}:{sb.st_gid}")
        if xattrs and not is_link:
            xa, xb = _xattrs(pa), _xattrs(pb)
            if xa != xb:
                diffs.append(f"{label}: xattrs {sorted(xa)} != {sorted(xb)}")
    return TreeDiff(tuple(diffs))


def temp_files(root: str) -> list[str]:
    """Atomic-write temp files under ``root`` (relative paths)."""
    return sorted(rel for rel in _listing(root, ignore_temp=False) if is_temp_name(rel.rsplit("/", 1)[-1]))


# ---------------------------------------------------------------------------------- edits


class EditKind(enum.Enum):
    MODIFY_KEEP_SIZE_AND_MTIME = "modify-keep-size-and-mtime"
    TRUNCATE = "truncate"
    APPEND = "append"
    TOUCH = "touch"
    RENAME = "rename"
    DELETE = "delete"
    CHMOD = "chmod"
    FILE_TO_DIR = "file-to-dir"
    DIR_TO_FILE = "dir-to-file"
    ADD_SYMLINK = "add-symlink"
    ADD_HARDLINK = "add-hardlink"
    REMOVE_LINK = "remove-link"
    ADD_FILE = "add-file"
    SET_XATTR = "set-xattr"


@dataclass(frozen=True)
class Edit:
    """One change to a tree on disk; ``index`` picks the entry among the candidates at apply time."""

    kind: EditKind
    index: int
    data: bytes = b""
    mode: int = 0o644
    name: str = "new"
    mtime_ns: int = 1_700_000_000_000_000_001


@dataclass
class EditLog:
    """What a sequence of edits did; ``stealth`` are files changed with size and mtime kept."""

    applied: list[str] = field(default_factory=list)
    stealth: set[str] = field(default_factory=set)
    stealth_inodes: set[tuple[int, int]] = field(default_factory=set)

    def stealth_paths(self, root: str) -> set[str]:
        """Names under ``root`` now holding stealth-edited content (later hard links included)."""
        now = {
            rel for rel, st in _listing(root, ignore_temp=True).items() if (st.st_dev, st.st_ino) in self.stealth_inodes
        }
        return now | self.stealth


def _candidates(root: str, want: str) -> list[str]:
    listing = _listing(root, ignore_temp=True)
    del listing[""]
    out = []
    for rel, st in sorted(listing.items()):
        if (
            (want == "file" and stat.S_ISREG(st.st_mode))
            or (want == "dir" and stat.S_ISDIR(st.st_mode))
            or (want == "link" and (stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_nlink > 1)))
            or want == "any"
        ):
            out.append(rel)
    return out


def _free_name(root: str, parent: str, name: str) -> str:
    i = 0
    while True:
        candidate = f"{parent}/{name}{i or ''}" if parent else f"{name}{i or ''}"
        if not os.path.lexists(os.path.join(root, candidate)):
            return candidate
        i += 1


def apply_edits(root: str, edits: Iterable[Edit]) -> EditLog:
    """Apply ``edits`` in order to the tree at ``root``; edits with no candidate are no-ops."""
    log = EditLog()
    for e in edits:
        _apply(root, e, log)
    return log


def _apply(root: str, e: Edit, log: EditLog) -> None:
    k = e.kind
    want = {
        EditKind.FILE_TO_DIR: "file",
        EditKind.DIR_TO_FILE: "dir",
        EditKind.REMOVE_LINK: "link",
        EditKind.RENAME: "any",
        EditKind.DELETE: "any",
        EditKind.CHMOD: "any",
        EditKind.SET_XATTR: "any",
        EditKind.ADD_FILE: "dir",
        EditKind.ADD_SYMLINK: "dir",
    }.get(k, "file")
    cands = _candidates(root, want)
    if k in (EditKind.ADD_FILE, EditKind.ADD_SYMLINK):
        cands = ["", *cands]
    if not cands:
        return
    rel = cands[e.index % len(cands)]
    path = os.path.join(root, rel) if rel else root
    # What the edit writes: the entry's directory (names added, renamed, removed), or the entry
    # itself (bytes, xattrs). A user opens a read-only one for the edit, as this does (root need not).
    if k in (EditKind.ADD_FILE, EditKind.ADD_SYMLINK) or k in _CONTENT_EDITS:
        opened = path
    elif k in (EditKind.CHMOD, EditKind.TOUCH):
        opened = None
    else:
        opened = os.path.dirname(path)
    with _opened(opened):
        _apply_at(root, rel, path, e, log)
    log.applied.append(f"{k.value} {rel or '.'}")


_CONTENT_EDITS = frozenset(
    {EditKind.MODIFY_KEEP_SIZE_AND_MTIME, EditKind.TRUNCATE, EditKind.APPEND, EditKind.SET_XATTR}
)


@contextlib.contextmanager
def _opened(path: str | None) -> Iterator[None]:
    """``u+w`` on ``path`` (not a symlink) for the block when it lacks it; its mode back after."""
    st = os.lstat(path) if path is not None else None
    if st is None or stat.S_ISLNK(st.st_mode) or st.st_mode & stat.S_IWUSR:
        yield
        return
    assert path is not None
    os.chmod(path, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)
    try:
        yield
    finally:
        if os.path.lexists(path) and not os.path.islink(path):
            os.chmod(path, stat.S_IMODE(st.st_mode))


def _apply_at(root: str, rel: str, path: str, e: Edit, log: EditLog) -> None:
    k = e.kind
    if k is EditKind.MODIFY_KEEP_SIZE_AND_MTIME:
        st = os.stat(path)
        if st.st_size == 0:
            return
        with open(path, "r+b") as fh:
            old = fh.read(1)
            fh.seek(0)
            fh.write(bytes([(old[0] + 1) % 256]))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        log.stealth_inodes.add((st.st_dev, st.st_ino))
        for other, ost in _listing(root, ignore_temp=True).items():
            if (ost.st_dev, ost.st_ino) == (st.st_dev, st.st_ino):
                log.stealth.add(other)
    elif k is EditKind.TRUNCATE:
        size = os.stat(path).st_size
        os.truncate(path, size // 2)
        os.utime(path, ns=(e.mtime_ns, e.mtime_ns))
    elif k is EditKind.APPEND:
        with open(path, "ab") as fh:
            fh.write(e.data or b"+")
        os.utime(path, ns=(e.mtime_ns, e.mtime_ns))
    elif k is EditKind.TOUCH:
        os.utime(path, ns=(e.mtime_ns, e.mtime_ns), follow_symlinks=False)
    elif k is EditKind.RENAME:
        parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
        os.rename(path, os.path.join(root, _free_name(root, parent, e.name)))
    elif k is EditKind.DELETE or k is EditKind.REMOVE_LINK:
        if os.path.isdir(path) and not os.path.islink(path):
            _rmtree_writable(path)
        else:
            os.unlink(path)
    elif k is EditKind.CHMOD:
        if not os.path.islink(path):  # the owner can always read (and search) what it made
            os.chmod(path, e.mode | (0o500 if os.path.isdir(path) else 0o400))
    elif k is EditKind.SET_XATTR:
        # Only the inode's ctime shows this change: size and mtime stay as they were.
        if not os.path.islink(path):
            with contextlib.suppress(OSError):  # a filesystem without user xattrs: no edit
                names = [n for n in os.listxattr(path) if n.startswith("user.")]
                if e.data:
                    os.setxattr(path, "user.edit", e.data)
                elif names:
                    os.removexattr(path, names[0])
    elif k is EditKind.FILE_TO_DIR:
        os.unlink(path)
        os.mkdir(path)
        with open(os.path.join(path, e.name), "wb") as fh:
            fh.write(e.data)
    elif k is EditKind.DIR_TO_FILE:
        _rmtree_writable(path)
        with open(path, "wb") as fh:
            fh.write(e.data)
    elif k is EditKind.ADD_FILE:
        with open(os.path.join(root, _free_name(root, rel, e.name)), "wb") as fh:
            fh.write(e.data)
    elif k is EditKind.ADD_SYMLINK:
        os.symlink(e.name + "-target", os.path.join(root, _free_name(root, rel, e.name)))
    elif k is EditKind.ADD_HARDLINK:
        parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
        os.link(path, os.path.join(root, _free_name(root, parent, e.name)))


def _rmtree_writable(path: str) -> None:
    os.chmod(path, 0o700)
    for dirpath, dirnames, _ in os.walk(path):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            if not os.path.islink(p):
                with contextlib.suppress(OSError):
                    os.chmod(p, 0o700)
    shutil.rmtree(path)
