"""Which metadata the copy engine preserves, and how, per kind of entry.

Order matters and is fixed here once: extended attributes (ACLs are the ``system.posix_acl_*``
xattrs), then ownership (``chown`` clears set-uid/set-gid bits), then mode, then times last
(every other change touches ctime/mtime). Times are nanoseconds (``st_mtime_ns``/``st_atime_ns``).

Ownership is preserved "when permitted": root sets uid and gid; another user can only set the
group, and only to one of its groups, so a refusal (``EPERM``) is not an error, as with ``cp -a``.
Extended attributes a filesystem cannot hold (``ENOTSUP``) or a namespace we may not write
(``EPERM`` on ``trusted.*`` / ``security.*``) are skipped the same way; anything else is an error.
Symlinks get ownership and times (``follow_symlinks=False``) but no mode (Linux has none) and no
user xattrs (Linux refuses them on links). Imports only ``_platform`` (and ``_record``).
"""

from __future__ import annotations

import errno
import os
import stat

from cargobay._record import Record
from cargobay.copy import _platform

_TOLERATED_XATTR_ERRORS = frozenset({errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EACCES, errno.ENODATA})
ACL_XATTRS = ("system.posix_acl_access", "system.posix_acl_default")


class Preserve(Record):
    """What metadata to carry over. ``Preserve()`` keeps everything; ``Preserve.none()`` only bytes."""

    _fields = ("mode", "times", "ownership", "xattrs", "acls")
    __slots__ = _fields
    mode: bool
    times: bool
    ownership: bool
    xattrs: bool
    acls: bool

    def __init__(
        self, mode: bool = True, times: bool = True, ownership: bool = True, xattrs: bool = True, acls: bool = True
    ) -> None:
        self._set(mode, times, ownership, xattrs, acls)

    @classmethod
    def none(cls) -> Preserve:
        return cls(mode=False, times=False, ownership=False, xattrs=False, acls=False)

    @classmethod
    def mode_only(cls) -> Preserve:
        """What ``shutil.copy`` keeps."""
        return cls(mode=True, times=False, ownership=False, xattrs=False, acls=False)


def can_preserve_ownership(preserve: Preserve) -> bool:
    """Whether uid/gid can be set to arbitrary values here (and so should be compared in mirrors)."""
    return preserve.ownership and _platform.IS_ROOT


def _wanted_xattr(name: str, preserve: Preserve) -> bool:
    if name in ACL_XATTRS:
        return preserve.acls
    return preserve.xattrs


def copy_xattrs(
    src: int | str, dst: int | str, preserve: Preserve, *, follow_symlinks: bool = True, remove_extra: bool = False
) -> None:
    """Copy extended attributes from ``src`` to ``dst`` (descriptors or paths).

    ``remove_extra``: also remove preserved-namespace attributes ``dst`` has and ``src`` lacks
    (for an existing destination entry being brought up to date).
    """
    if not _platform.HAS_XATTR or not (preserve.xattrs or preserve.acls):
        return
    try:
        names = os.listxattr(src, follow_symlinks=follow_symlinks) if isinstance(src, str) else os.listxattr(src)
    except OSError as exc:
        if exc.errno in _TOLERATED_XATTR_ERRORS:
            return
        raise
    if remove_extra:
        _remove_extra_xattrs(set(names), dst, preserve, follow_symlinks=follow_symlinks)
    for name in names:
        if not _wanted_xattr(name, preserve):
            continue
        try:
            if isinstance(src, str):
                value = os.getxattr(src, name, follow_symlinks=follow_symlinks)
            else:
                value = os.getxattr(src, name)
            if isinstance(dst, str):
                os.setxattr(dst, name, value, follow_symlinks=follow_symlinks)
            else:
                os.setxattr(dst, name, value)
        except OSError as exc:
            if exc.errno in _TOLERATED_XATTR_ERRORS:
                continue
            raise


def xattrs_differ(src: str, dst: str, preserve: Preserve) -> str | None:
    """Whether the preserved xattrs of the files ``src`` and ``dst`` differ (a reason), read.

    For ``--checksum``, which reads both files whole anyway: a destination xattr changed behind
    the copy's back moves only the destination's ctime, which :func:`attrs_differ` cannot see.
    A filesystem without xattrs has none; another error reading them says "may differ" (setting
    them again reports what it means)."""
    if not _platform.HAS_XATTR or not (preserve.xattrs or preserve.acls):
        return None
    values = []
    for path in (src, dst):
        try:
            names = sorted(n for n in os.listxattr(path, follow_symlinks=False) if _wanted_xattr(n, preserve))
            values.append([(n, os.getxattr(path, n, follow_symlinks=False)) for n in names])
        except OSError as exc:
            if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
                return "xattrs could not be compared"
            values.append([])
    return None if values[0] == values[1] else "xattrs differ"


def has_xattrs(fd: int) -> bool:
    """Whether the open file ``fd`` may have extended attributes to copy: True unless it lists
    none (an error listing them says True, and :func:`copy_xattrs` then decides what it means)."""
    try:
        return bool(os.listxattr(fd))
    except OSError:
        return True


def _remove_extra_xattrs(keep: set[str], dst: int | str, preserve: Preserve, *, follow_symlinks: bool) -> None:
    try:
        have = os.listxattr(dst, follow_symlinks=follow_symlinks) if isinstance(dst, str) else os.listxattr(dst)
    except OSError as exc:
        if exc.errno in _TOLERATED_XATTR_ERRORS:
            return
        raise
    for name in have:
        if name in keep or not _wanted_xattr(name, preserve):
            continue
        try:
            if isinstance(dst, str):
                os.removexattr(dst, name, follow_symlinks=follow_symlinks)
            else:
                os.removexattr(dst, name)
        except OSError as exc:
            if exc.errno not in _TOLERATED_XATTR_ERRORS:
                raise


def _chown(
    target: int | str, st: os.stat_result, *, follow_symlinks: bool = True, owner: tuple[int, int] | None = None
) -> None:
    """``owner``: the target's current (uid, gid) when known, so an equal one costs no syscall."""
    if _platform.IS_ROOT:
        if owner is not None and (st.st_uid, st.st_gid) == owner:
            return
        uid, gid = st.st_uid, st.st_gid
    else:
        if st.st_gid == (owner[1] if owner is not None else _platform.EGID):
            return
        uid, gid = -1, st.st_gid
    try:
        if isinstance(target, int):
            os.fchown(target, uid, gid)
        else:
            os.chown(target, uid, gid, follow_symlinks=follow_symlinks)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EINVAL):
            raise


def apply_file_attrs(
    dst_fd: int,
    st: os.stat_result,
    preserve: Preserve,
    *,
    src_fd: int | None = None,
    owner: tuple[int, int] | None = None,
    mode_done: bool = False,
) -> None:
    """Give an open destination file the metadata of ``st`` (and the xattrs of ``src_fd``).

    ``owner``: the (uid, gid) the new file already has, if the caller knows it (then ownership
    costs a syscall only when it differs). ``mode_done``: the file was created with its mode.
    """
    if src_fd is not None:
        copy_xattrs(src_fd, dst_fd, preserve)
    if preserve.ownership:
        _chown(dst_fd, st, owner=owner)
    if preserve.mode and not mode_done:
        os.fchmod(dst_fd, stat.S_IMODE(st.st_mode))
    if preserve.times:
        os.utime(dst_fd, ns=(st.st_atime_ns, st.st_mtime_ns))


def apply_path_attrs(dst: str, st: os.stat_result, preserve: Preserve, *, src: str | None = None) -> None:
    """Same as :func:`apply_file_attrs` for a path: directories, special files, symlinks.

    A symlink is never followed: its own owner and times are set and its mode is left alone.
    """
    is_link = stat.S_ISLNK(st.st_mode)
    restore = None
    if src is not None and not is_link:
        restore = _writable_for_xattrs(dst, preserve)
        copy_xattrs(src, dst, preserve, follow_symlinks=False, remove_extra=True)
    if preserve.ownership:
        _chown(dst, st, follow_symlinks=False)
    if preserve.mode and not is_link:
        os.chmod(dst, stat.S_IMODE(st.st_mode))
    elif restore is not None:
        os.chmod(dst, restore)
    if preserve.times and (not is_link or os.utime in os.supports_follow_symlinks):
        os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def _writable_for_xattrs(dst: str, preserve: Preserve) -> int | None:
    """Give ``dst`` the owner's write bit when it lacks it, xattrs are preserved and the process is
    not root: Linux lets only a writer set or remove a user xattr, and refused it with EACCES,
    which :func:`copy_xattrs` tolerates (a source's xattrs it may not read), so the xattrs of a
    read-only file or directory were silently left stale. Return the bits to set back, or None."""
    if _platform.IS_ROOT or not _platform.HAS_XATTR or not (preserve.xattrs or preserve.acls):
        return None
    try:
        mode = stat.S_IMODE(os.lstat(dst).st_mode)
        if mode & stat.S_IWUSR:
            return None
        os.chmod(dst, mode | stat.S_IWUSR)
    except OSError:
        return None  # not ours: setting the xattrs says what it means
    return mode


def attrs_differ(
    src: os.stat_result,
    dst: os.stat_result,
    preserve: Preserve,
    *,
    times: bool = True,
    dst_ctime_ns: int | None = None,
) -> str | None:
    """The first preserved attribute that differs or may differ (a reason for the plan), or None.

    Extended attributes and ACLs are not in a stat, and listing them for every file would double
    the cost of a no-change mirror. A change to them does show as the source inode's ctime, and
    the destination's ctime is the moment it was last written (by us). So a source whose ctime is
    not older than its destination's has its metadata set again: a stale xattr is not kept, and an
    unchanged source costs nothing. "Not older", because the kernel stamps times from a clock that
    ticks every few milliseconds: an edit right after the copy can carry the copy's very ctime.
    Symlinks are left out (Linux keeps no user xattrs on them). ``dst_ctime_ns``: the ctime the
    destination had before this run moved it (``moved.py``), when it did.
    """
    if preserve.mode and not stat.S_ISLNK(src.st_mode) and stat.S_IMODE(src.st_mode) != stat.S_IMODE(dst.st_mode):
        return "mode differs"
    if can_preserve_ownership(preserve) and (src.st_uid, src.st_gid) != (dst.st_uid, dst.st_gid):
        return "owner differs"
    if times and preserve.times and src.st_mtime_ns != dst.st_mtime_ns:
        return "mtime differs"
    if (
        (preserve.xattrs or preserve.acls)
        and src.st_ctime_ns >= (dst.st_ctime_ns if dst_ctime_ns is None else min(dst_ctime_ns, dst.st_ctime_ns))
        and _platform.HAS_XATTR
        and not stat.S_ISLNK(src.st_mode)
    ):
        return "changed since the last copy (ctime): xattrs may differ"
    return None
