"""Files written so that readers never see half of one: atomic replacement, safe names.

Every file nnplug writes (run files, plots, checkpoints, ONNX models, benchmark results) goes
through :func:`write_atomically`. This module imports nothing else of nnplug, so any module can
use it without an import cycle.
"""
from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Iterator


def safe_name(text: str, limit: int = 60) -> str:
    """``text`` reduced to characters safe in a file name (letters, digits, ``.``, ``_``, ``-``)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "run"
    return cleaned[:limit]


def write_atomically(path: Path, write: Callable[[Any], None], binary: bool = False) -> None:
    """Write a file through ``write(file)`` into a temporary file next to it, then rename it over ``path``.

    Readers never see a half-written file: they get the old content or the new one. The folder is
    created when missing; the file gets the usual ``rw-r--r--`` permissions (not the temporary
    file's owner-only ones).
    """
    with atomic_path(path) as temporary:
        with os.fdopen(_create(temporary), "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as handle:
            write(handle)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A hidden temporary path beside ``path`` for a writer that takes a file name (a library's ``save``).

    When the block ends normally the file written there is renamed over ``path`` (with
    ``rw-r--r--`` permissions); when it raises, whatever was written is removed. The name is
    chosen before anything exists, so an interruption at any instant (Ctrl-C between creating
    the file and returning its name) cannot leave the file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path.parent, path.name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(err, OSError) and err.filename is None:
            err.filename = str(path)  # "no space left on device" must say where
        raise
    remove_stale_temporaries(path.parent, path.name)


_counter = itertools.count()


def temporary_name(folder: Path, name: str) -> Path:
    """``folder/.NAME.<pid>-pid.<n><random>.tmp``: a name no one else uses, nothing created.

    The writer's process id lets :func:`remove_stale_temporaries` tell files of killed writers
    from files being written; a counter keeps names unique within the process, a random part
    across processes that once had the same id.
    """
    return Path(folder) / f".{name}.{os.getpid()}{TEMPORARY_MARK}{next(_counter)}{secrets.token_hex(4)}.tmp"


def _create(path: Path) -> int:
    """Create ``path`` (which must not exist) for writing, owner-only; return its descriptor."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)


#: between the writer's process id and the unique part of a temporary file's name.
TEMPORARY_MARK = "-pid."
#: a temporary file older than this is stale even if its process id is alive (reused, or another host's).
STALE_AFTER_SECONDS = 24 * 3600


def remove_stale_temporaries(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the hidden ``.<name>.<pid>-pid.*.tmp`` files that writers killed with SIGKILL left in ``folder``.

    A temporary file is stale when the process that wrote it is gone (it only ever exists while
    its writer runs) or when it is older than :data:`STALE_AFTER_SECONDS`. Called after every
    atomic write, for the file just written (``name``), and for the whole folder when a run
    directory or an output folder is opened. Returns the files removed.
    """
    removed = []
    pattern = f".{name}.*{TEMPORARY_MARK}*.tmp" if name is not None else f".*{TEMPORARY_MARK}*.tmp"
    try:
        candidates = list(Path(folder).glob(pattern))
    except OSError:
        return removed
    now = time.time()
    for candidate in candidates:
        pid_text = candidate.name[: candidate.name.rfind(TEMPORARY_MARK)].rpartition(".")[2]
        try:
            stale = not _process_alive(int(pid_text)) or now - candidate.stat().st_mtime > STALE_AFTER_SECONDS
            if stale:
                if candidate.is_dir() and not candidate.is_symlink():  # a staging folder (bin/infer)
                    shutil.rmtree(candidate)
                else:
                    candidate.unlink()
                removed.append(candidate)
        except (OSError, ValueError):
            continue
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


#: bytes written by :func:`check_writable`: a 0-byte probe passes on a full disk.
PROBE_BYTES = 64 * 1024


def check_writable(folder: Path, what: str = "folder") -> None:
    """Create ``folder`` if needed and make sure a real file can be written in it, before any work starts.

    A probe of :data:`PROBE_BYTES` bytes is written, flushed to the disk and removed: a folder
    that exists but is read-only, a regular file in the way, or a disk too full for even that
    probe is refused now rather than after training. Folders this call created are removed
    again when the probe fails.

    Raises:
        OSError: subclasses as ``open``/``mkdir`` raise them (callers turn them into one line).
    """
    folder = Path(folder)
    created = []
    missing = folder.absolute()
    while not missing.exists() and missing.parent != missing:
        created.insert(0, missing)
        missing = missing.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = temporary_name(folder, "nnplug-write-check")
        try:
            with os.fdopen(_create(probe), "wb") as handle:
                handle.write(os.urandom(PROBE_BYTES))  # incompressible: a compressing file system still needs the space
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            with contextlib.suppress(FileNotFoundError):  # interrupted before it was created
                os.unlink(probe)
    except BaseException:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir()
        raise


def shown_name(path: Path | str) -> str:
    """A file name as messages show it: as is, or ``repr``-escaped when it holds a newline or
    another unprintable character (a file name must not be able to forge log lines)."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def writable_error(path: Path, err: OSError, what: str) -> str:
    """One line saying why ``path`` (``what``: ``the runs directory``...) cannot be written."""
    reason = err.strerror or type(err).__name__
    if isinstance(err, (FileExistsError, NotADirectoryError)) or err.errno in (errno.ENOTDIR, errno.EEXIST):
        reason = "a parent is not a folder"
    return f"cannot write {what} {shown_name(path)}: {reason}"


def write_text(path: Path, text: str) -> None:
    """Atomically write ``text`` to ``path``."""
    write_atomically(path, lambda handle: handle.write(text))


class SpaceReserve:
    """A hidden file holding disk space back, so a run can still save its final status on a full disk.

    The owner calls :meth:`ensure` after each save with the size its final save will need; the
    reserve grows (by doubling, so rarely) to that size while there is room. When the disk fills
    up, :meth:`release` frees the reserve just before the final save. Its name is a temporary
    file's (``.space-reserve.<pid>-pid.*.tmp``), so one left by SIGKILL is cleaned like them.

    Args:
        folder: where the reserve lives (the folder the final save writes to).
        minimum: the smallest reserve, in bytes.
    """

    def __init__(self, folder: Path, minimum: int = 256 * 1024) -> None:
        self.folder = Path(folder)
        self.minimum = minimum
        self.size = 0
        self.path: Path | None = None

    def ensure(self, needed: int) -> None:
        """Grow the reserve to at least ``needed`` bytes (doubling); a full disk leaves it as it is."""
        if self.size >= needed and self.size >= self.minimum:
            return
        size = max(self.minimum, needed, 2 * self.size)
        try:
            if self.path is None:  # named before it exists: release() removes it whenever an interruption comes
                self.path = temporary_name(self.folder, "space-reserve")
            with open(self.path, "ab") as handle:
                handle.write(os.urandom(size - self.size))  # incompressible, really allocated
                handle.flush()
                os.fsync(handle.fileno())
            self.size = size
        except OSError:
            if self.path is not None:  # keep only what was really written
                with contextlib.suppress(OSError):
                    self.size = self.path.stat().st_size

    def release(self) -> None:
        """Remove the reserve (before the final save, or at the end)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
        self.path, self.size = None, 0


#: how C libraries (libvips, ImageMagick) spell the OS errors they hit, in their own messages.
_LIBRARY_OS_ERRORS = {"no space left on device": errno.ENOSPC, "disk quota exceeded": errno.EDQUOT, "read-only file system": errno.EROFS}


def library_write_error(path: Path, err: Exception) -> Exception:
    """The exception to raise when a library failed writing ``path``: its message folded to one line.

    A full disk (or quota, read-only file system) reported in the library's text becomes the
    matching :class:`OSError` naming ``path``, which the command line reports in one line; any
    other failure becomes a one-line :class:`~nnplug.errors.NnplugError`.
    """
    from nnplug.errors import NnplugError

    text = " ".join(str(err).split())
    for phrase, number in _LIBRARY_OS_ERRORS.items():
        if phrase in text.lower():
            return OSError(number, os.strerror(number), str(path))
    return NnplugError(f"cannot write {shown_name(path)}: {text[:300]}")
