"""Files written so that readers never see half of one: atomic replacement, safe names.

Every file nnplug writes (run files, plots, checkpoints, ONNX models, benchmark results) goes
through :func:`write_atomically`. This module imports nothing else of nnplug, so any module can
use it without an import cycle.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Callable


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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as handle:
            write(handle)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_text(path: Path, text: str) -> None:
    """Atomically write ``text`` to ``path``."""
    write_atomically(path, lambda handle: handle.write(text))
