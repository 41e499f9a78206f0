"""The copy engine's public API: ``copy``, ``copy2``, ``copytree`` and ``mirror``.

In the spirit of :mod:`shutil`, with these differences on purpose:

* symlinks are kept as symlinks by default (``shutil.copytree`` follows them, turning a link to a
  directory into a copy of that directory);
* hard-link groups stay hard-linked, holes in sparse files stay holes, times keep nanoseconds,
  ownership (when permitted), extended attributes and ACLs are carried over;
* every file is written to a temp name beside its destination and renamed when complete, so an
  interrupted copy never leaves a truncated file under a real name;
* a failing entry does not stop a tree copy: :func:`copytree` and :func:`mirror` return a
  :class:`CopyReport` listing failures (``report.raise_for_errors()`` turns them into an exception);
* bad arguments (missing source, destination inside the source, a file onto itself) raise
  :class:`~cargobay.errors.UsageError` with a one-line message.

Argument checks live here; planning in ``plan.py``; the work in ``execute.py`` (the run, its
directories), ``batches.py`` (its files) and ``fastpaths.py``.
This package must not import ``cargobay.testing``.
"""

from __future__ import annotations

import os
import stat

from cargobay._fsutil import AtomicFile, renamed_into_place
from cargobay._lazy import lazy_exports
from cargobay.copy.execute import Engine
from cargobay.copy.fastpaths import MethodLadder
from cargobay.copy.fileattrs import Preserve, apply_file_attrs
from cargobay.copy.model import (
    DEFAULT_BUFFER_SIZE,
    DEFAULT_WORKERS,
    CopyFailure,
    CopyOptions,
    CopyProgress,
    CopyReport,
    Op,
    PlannedAction,
    ProgressCallback,
)
from cargobay.copy.plan import PlanRules
from cargobay.errors import CopyError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from cargobay.copy.selector import Selector

__all__ = [
    "DEFAULT_BUFFER_SIZE",
    "DEFAULT_WORKERS",
    "CopyFailure",
    "CopyOptions",
    "CopyProgress",
    "CopyReport",
    "Op",
    "PlannedAction",
    "Preserve",
    "ProgressCallback",
    "Selector",
    "copy",
    "copy2",
    "copytree",
    "mirror",
]


def _fspath(p: str | os.PathLike[str]) -> str:
    return os.fspath(p)


def _inside(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or below it, after resolving symlinks of the existing parts."""
    rp, rr = os.path.realpath(path), os.path.realpath(root)
    return rp == rr or rp.startswith(rr.rstrip(os.sep) + os.sep)


def _copy_one(src: str, dst: str, *, preserve: Preserve, follow_symlinks: bool, buffer_size: int, durable: bool) -> str:
    try:
        src_st = os.stat(src) if follow_symlinks else os.lstat(src)
    except FileNotFoundError:
        raise UsageError(f"source does not exist: {src}") from None
    except OSError as exc:
        raise CopyError(f"cannot read {src}: {exc.strerror}") from None
    if stat.S_ISDIR(src_st.st_mode):
        raise UsageError(f"source is a directory (use copytree): {src}")
    if os.path.isdir(dst):
        dst = os.path.join(dst, os.path.basename(src.rstrip(os.sep)))
    try:
        dst_st = os.stat(dst)
    except OSError:
        dst_st = None
    if dst_st is not None and (dst_st.st_dev, dst_st.st_ino) == (src_st.st_dev, src_st.st_ino):
        raise UsageError(f"source and destination are the same file: {src}")
    try:
        if stat.S_ISLNK(src_st.st_mode):
            with renamed_into_place(dst) as tmp:
                os.symlink(os.readlink(src), tmp)
            return dst
        if not stat.S_ISREG(src_st.st_mode):
            raise UsageError(f"source is not a regular file: {src}")
        ladder = MethodLadder(buffer_size=buffer_size)
        flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW)
        sfd = os.open(src, flags)
        try:
            st = os.fstat(sfd)
            dst_dev = os.stat(os.path.dirname(os.path.abspath(dst))).st_dev
            with AtomicFile(dst, mode=0o600) as af:
                ladder.copy(
                    sfd, af.fd, size=st.st_size, blocks=st.st_blocks, src_dev=st.st_dev, dst_dev=dst_dev, sparse=True
                )
                apply_file_attrs(af.fd, st, preserve, src_fd=sfd)
                af.commit(durable=durable)
        finally:
            os.close(sfd)
    except OSError as exc:
        raise CopyError(f"cannot copy {src} to {dst}: {exc.strerror or exc}") from None
    return dst


def copy(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    follow_symlinks: bool = True,
    buffer_size: int = DEFAULT_BUFFER_SIZE,
    durable: bool = False,
) -> str:
    """Copy a file's bytes and permission bits (as ``shutil.copy``); return the destination path.

    ``dst`` may be a directory, in which case the file keeps its name inside it.
    """
    return _copy_one(
        _fspath(src),
        _fspath(dst),
        preserve=Preserve.mode_only(),
        follow_symlinks=follow_symlinks,
        buffer_size=buffer_size,
        durable=durable,
    )


def copy2(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    follow_symlinks: bool = True,
    preserve: Preserve | bool = True,
    buffer_size: int = DEFAULT_BUFFER_SIZE,
    durable: bool = False,
) -> str:
    """Copy a file with all its metadata (mode, ns times, xattrs, ACLs, ownership when permitted)."""
    return _copy_one(
        _fspath(src),
        _fspath(dst),
        preserve=_preserve(preserve),
        follow_symlinks=follow_symlinks,
        buffer_size=buffer_size,
        durable=durable,
    )


def _preserve(p: Preserve | bool) -> Preserve:
    if isinstance(p, Preserve):
        return p
    return Preserve() if p else Preserve.none()


def _make_options(
    options: CopyOptions | None,
    *,
    workers: int | None,
    buffer_size: int,
    preserve: Preserve | bool,
    symlinks: bool,
    hardlinks: bool,
    sparse: bool,
    verify: bool,
    durable: bool,
    spread: bool,
) -> CopyOptions:
    if options is not None:
        return options
    return CopyOptions(
        workers=workers,
        buffer_size=buffer_size,
        preserve=_preserve(preserve),
        symlinks=symlinks,
        hardlinks=hardlinks,
        sparse=sparse,
        verify=verify,
        durable=durable,
        spread=spread,
    )


def _check_tree_args(src: str, dst: str, *, for_mirror: bool) -> bool:
    """Validate a tree copy; return True when the destination does not exist yet."""
    try:
        src_st = os.stat(src)
    except FileNotFoundError:
        raise UsageError(f"source does not exist: {src}") from None
    except OSError as exc:
        raise UsageError(f"cannot read source {src}: {exc.strerror}") from None
    if not stat.S_ISDIR(src_st.st_mode):
        raise UsageError(f"source is not a directory: {src}")
    if _inside(dst, src):
        raise UsageError(f"destination {dst} is inside the source {src}")
    if for_mirror and _inside(src, dst):
        raise UsageError(f"source {src} is inside the destination {dst}: a mirror would delete it")
    if not os.path.lexists(dst):
        parent = os.path.dirname(os.path.abspath(dst))
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create the parent of {dst}: {exc.strerror}{_parent_hint(exc)}") from None
        return True
    if not os.path.isdir(dst):
        raise UsageError(f"destination exists and is not a directory: {dst}")
    return False


def copytree(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    dirs_exist_ok: bool = False,
    options: CopyOptions | None = None,
    workers: int | None = None,
    buffer_size: int = DEFAULT_BUFFER_SIZE,
    preserve: Preserve | bool = True,
    symlinks: bool = True,
    hardlinks: bool = True,
    sparse: bool = True,
    verify: bool = False,
    durable: bool = False,
    spread: bool = True,
    select: Selector | None = None,
    progress: ProgressCallback | None = None,
) -> CopyReport:
    """Copy the tree ``src`` to ``dst``, every file written anew; return what was done.

    ``dst`` must not exist unless ``dirs_exist_ok``; then existing files are overwritten and
    nothing is deleted. ``options`` (a :class:`CopyOptions`) replaces the individual keywords.
    ``progress`` is called from worker threads, one call at a time, at most ten times a second.
    ``spread``: the ext4 allocation hint of :class:`CopyOptions` (on by default).
    """
    s, d = _fspath(src), _fspath(dst)
    fresh = _check_tree_args(s, d, for_mirror=False)
    if not fresh and not dirs_exist_ok:
        raise UsageError(f"destination exists (pass dirs_exist_ok=True to copy into it): {d}")
    opts = _make_options(
        options,
        workers=workers,
        buffer_size=buffer_size,
        preserve=preserve,
        symlinks=symlinks,
        hardlinks=hardlinks,
        sparse=sparse,
        verify=verify,
        durable=durable,
        spread=spread,
    )
    rules = PlanRules(update=False, delete=False, preserve=opts.preserve, hardlinks=opts.hardlinks)
    return Engine(s, d, options=opts, rules=rules, fresh_root=fresh, select=select, progress=progress).run()


def mirror(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    delete: bool = True,
    checksum: bool = False,
    dry_run: bool = False,
    options: CopyOptions | None = None,
    workers: int | None = None,
    buffer_size: int = DEFAULT_BUFFER_SIZE,
    preserve: Preserve | bool = True,
    symlinks: bool = True,
    hardlinks: bool = True,
    sparse: bool = True,
    verify: bool = False,
    durable: bool = False,
    spread: bool = True,
    select: Selector | None = None,
    progress: ProgressCallback | None = None,
) -> CopyReport:
    """Make ``dst`` equal to ``src``, touching only what differs (``rsync -a --delete``, robocopy /MIR).

    A file is copied when its size or ``mtime_ns`` differ (with ``checksum``, also when its bytes
    differ). With ``delete`` (the default), destination entries the source lacks are removed, but
    never outside ``dst``, never in a directory whose source listing failed, and never an entry the
    selection excluded. ``dry_run`` changes nothing and lists the plan in ``report.planned``.
    """
    s, d = _fspath(src), _fspath(dst)
    fresh = _check_tree_args(s, d, for_mirror=True)
    opts = _make_options(
        options,
        workers=workers,
        buffer_size=buffer_size,
        preserve=preserve,
        symlinks=symlinks,
        hardlinks=hardlinks,
        sparse=sparse,
        verify=verify,
        durable=durable,
        spread=spread,
    )
    rules = PlanRules(update=True, delete=delete, checksum=checksum, preserve=opts.preserve, hardlinks=opts.hardlinks)
    engine = Engine(
        s, d, options=opts, rules=rules, fresh_root=fresh, select=select, progress=progress, dry_run=dry_run
    )
    return engine.run()


def _parent_hint(exc: OSError) -> str:
    """What to do about a destination whose parent directory cannot be made."""
    import errno

    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return " (a part of the path is a file, not a directory: choose another destination)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return " (not writable: choose a destination you may write to)"
    if exc.errno == errno.ENOENT:
        return " (this file system cannot hold a directory there: choose another destination)"
    return ""


# Selector on first use: a typing.Protocol, and start-up does without typing.
__getattr__, __dir__ = lazy_exports(__name__, {"Selector": "cargobay.copy.selector"}, globals())
