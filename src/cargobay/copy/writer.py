"""How one entry is written at its destination: regular files, symlinks, FIFOs and device nodes.

Owns the creation protocol, so that no reader ever sees a partial file under a real name:

* a regular file whose name is absent is created unnamed (``O_TMPFILE``) in its destination
  directory, filled, given its metadata, and linked under its name only when complete
  (``_fsutil.open_tmpfile`` / ``link_tmpfile``); a name that exists, or a filesystem without
  ``O_TMPFILE``, goes through ``_fsutil.AtomicFile`` (temp name, rename over the old file);
* in a fresh copy the whole tree is built under a temp name and renamed into place by the engine
  (``execute.py``), so a new file there is simply created under its name (:attr:`hidden_tree`);
* symlinks and special files are made under a temp name and renamed, except a new symlink, which
  appears atomically by itself.

Also owns a measured speed choice: calls name files relative to the open descriptors of their
directories (:class:`DirFds`, one pair per batch). Which entries to write belongs to ``batches.py``,
the counting to ``tally.py``.
"""

from __future__ import annotations

import contextlib
import os
import stat

from cargobay._fsutil import AtomicFile, link_tmpfile, open_tmpfile, renamed_into_place
from cargobay.copy import _platform
from cargobay.copy.fastpaths import MethodLadder
from cargobay.copy.fileattrs import apply_file_attrs, apply_path_attrs, has_xattrs
from cargobay.copy.model import CopyOptions, Entry

_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


class DirFds:
    """Open descriptors of one source/destination directory pair, for the length of a batch.

    Every per-file call then names a single component relative to them (no path walk per call),
    and ``O_TMPFILE`` needs the destination directory anyway. ``new_owner`` is the (uid, gid) a
    file created in the destination directory gets, so ownership is set only when it differs.
    """

    __slots__ = ("dst", "new_owner", "src")

    def __init__(self, src: int, dst: int, new_owner: tuple[int, int]) -> None:
        self.src = src
        self.dst = dst
        self.new_owner = new_owner

    def dup(self) -> DirFds:
        """Descriptors of the same directories, for a job that outlives this batch."""
        src = os.dup(self.src)
        try:
            return DirFds(src, os.dup(self.dst), self.new_owner)
        except BaseException:
            os.close(src)
            raise

    def close(self) -> None:
        os.close(self.src)
        os.close(self.dst)


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (else set and reset)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def open_dirs(src_dir: str, dst_dir: str) -> DirFds | None:
    """Descriptors for a batch's directories, or None (then calls use full paths)."""
    try:
        sfd = os.open(src_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        dfd = os.open(dst_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        dst_st = os.fstat(dfd)
    except OSError:
        os.close(sfd)
        return None
    gid = dst_st.st_gid if dst_st.st_mode & stat.S_ISGID else _platform.EGID
    return DirFds(sfd, dfd, (_platform.EUID, gid))


class FileWriter:
    """Writes entries for one run; shared by its worker threads."""

    def __init__(self, ladder: MethodLadder, options: CopyOptions) -> None:
        self.ladder = ladder
        self.opts = options
        self.dst_dev = 0  # set once the destination root exists
        self._use_tmpfile = True  # until a filesystem says it has no O_TMPFILE
        # Set by the engine while the whole destination tree is still under a temp name (a fresh
        # copy): no reader can see a file there, so a new one is created under its own name.
        self.hidden_tree = False
        self._umask = _umask()
        # Permission bits a create cannot set (the umask's, and set-id/sticky): then an fchmod.
        self._chmod_bits = 0o7000 | self._umask
        preserve = options.preserve
        self._xattrs = _platform.HAS_XATTR and (preserve.xattrs or preserve.acls)

    def write_file(
        self, sfd: int, st: os.stat_result, name: str, dst_path: str, dirs: DirFds | None, *, new: bool
    ) -> int:
        """Write the open source ``sfd`` (whose ``fstat`` is ``st``) as ``name``; return bytes copied.

        ``new``: the plan saw no entry under the name (an unnamed file may be used; should the name
        appear meanwhile, it is still replaced atomically).
        """
        preserve = self.opts.preserve
        if new and dirs is not None and self.hidden_tree:
            n = self._write_hidden(sfd, st, name, dirs)
            if n >= 0:
                return n
        tfd = None
        if new and dirs is not None and self._use_tmpfile:
            tfd = open_tmpfile(".", dir_fd=dirs.dst)
            if tfd is None:
                self._use_tmpfile = False
        if tfd is not None:
            assert dirs is not None
            try:
                n = self._fill(sfd, tfd, st)
                apply_file_attrs(tfd, st, preserve, src_fd=sfd, owner=dirs.new_owner)
                link_tmpfile(tfd, name, dir_fd=dirs.dst, durable=self.opts.durable)
            finally:
                os.close(tfd)
            return n
        with AtomicFile(dst_path, mode=0o600) as af:
            n = self._fill(sfd, af.fd, st)
            apply_file_attrs(af.fd, st, preserve, src_fd=sfd, owner=dirs.new_owner if dirs is not None else None)
            af.commit(durable=self.opts.durable)
        return n

    def _write_hidden(self, sfd: int, st: os.stat_result, name: str, dirs: DirFds) -> int:
        """Create ``name`` in a tree still under its temp name and fill it; -1 if the name exists.

        A plain create costs ~5 us less kernel time per file than an unnamed one plus its link
        (10,000 x 4 KiB on a fresh ext4: 0.19 s against 0.24 s of create, copy, times and close).
        A file that cannot be finished is removed, so even the hidden tree holds whole files only
        (unless the process is killed: then the tree stays under its temp name).

        This is the per-file path of a fresh copy of small files, so the common case is written
        out here: a file whose only metadata to set are its times (no xattrs, created with its
        owner and mode) gets one ``utime``; anything else goes through ``apply_file_attrs``,
        which keeps the order of the attributes.
        """
        # Created with its final permissions when the umask lets them through (no fchmod then);
        # the descriptor is writable whatever the mode says, but setting a user xattr needs the
        # owner's write bit on the inode (unless root): a read-only file then gets its mode last.
        preserve = self.opts.preserve
        perm = st.st_mode & 0o7777
        mode_done = (
            preserve.mode
            and not perm & self._chmod_bits
            and (bool(perm & stat.S_IWUSR) or not self._xattrs or _platform.IS_ROOT)
        )
        try:
            fd = os.open(name, _CREATE_NEW, perm if mode_done else 0o600, dir_fd=dirs.dst)
        except FileExistsError:
            return -1
        except OSError:
            raise
        except BaseException:
            # Ctrl-C delivered as the create returned (the descriptor never reached ``fd``): the
            # file exists and is empty. Seen once in three real interrupts of 20,000 files.
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dirs.dst)
            raise
        try:
            n = self._fill(sfd, fd, st)
            owner = dirs.new_owner
            if (
                (self._xattrs and has_xattrs(sfd))
                or (preserve.mode and not mode_done)
                or (preserve.ownership and (st.st_uid, st.st_gid) != owner)
            ):
                apply_file_attrs(fd, st, preserve, src_fd=sfd, owner=owner, mode_done=mode_done)
            elif preserve.times:
                os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dirs.dst)
            raise
        finally:
            os.close(fd)
        return n

    def _fill(self, sfd: int, dfd: int, st: os.stat_result) -> int:
        # Large files are copied in parallel like small ones. Serialising them (one bulk stream at
        # a time) was tried and measured slower on a quiet machine: 100 x 10 MiB after a delete,
        # 2 workers 0.18 s in parallel, 0.28 s serialised, cp -a 0.24 s (medians of 7).
        return self.ladder.copy(
            sfd,
            dfd,
            size=st.st_size,
            blocks=st.st_blocks,
            src_dev=st.st_dev,
            dst_dev=self.dst_dev,
            sparse=self.opts.sparse,
        )

    def make_symlink(self, src: Entry, src_path: str, dst_path: str, *, replace: bool) -> None:
        """Create the symlink ``src`` at ``dst_path`` (``replace``: something is there already)."""
        st = src.st if src.st is not None else os.lstat(src_path)
        target = src.link_target if src.link_target is not None else os.readlink(src_path)
        if not replace:
            # A symlink appears atomically; in a directory we just created nothing is in the way.
            os.symlink(target, dst_path)
            apply_path_attrs(dst_path, st, self.opts.preserve)
            return
        with renamed_into_place(dst_path) as tmp:
            os.symlink(target, tmp)
            apply_path_attrs(tmp, st, self.opts.preserve)

    def make_special(self, src: Entry, src_path: str, dst_path: str) -> None:
        """Create the FIFO or device node ``src`` at ``dst_path`` (temp name, then rename)."""
        st = src.st if src.st is not None else os.lstat(src_path)
        with renamed_into_place(dst_path) as tmp:
            if stat.S_ISFIFO(st.st_mode):
                os.mkfifo(tmp, 0o600)
            else:
                os.mknod(tmp, stat.S_IFMT(st.st_mode) | 0o600, st.st_rdev)
            apply_path_attrs(tmp, st, self.opts.preserve, src=src_path)
