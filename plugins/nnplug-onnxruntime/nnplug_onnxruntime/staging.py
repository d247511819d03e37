"""All-or-nothing output: files are written into a hidden staging folder, moved into place at the end.

A run that fails half-way (a bad image, Ctrl-C, a full disk) leaves no partial output behind:
the staging folder is removed. Each file is moved with ``os.replace`` (atomic on one file
system), so no reader ever sees a half-written file.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType

from nnplug import NnplugError, files


def check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and make sure files can be written in it.

    Raises:
        NnplugError: the folder cannot be created or written (message names it and the reason).
    """
    try:
        files.check_writable(folder)  # a real probe (a 0-byte one passes on a full disk)
    except OSError as err:
        raise NnplugError(f"cannot write to output directory {folder}: {err.strerror or err}") from None


class StagedOutputs:
    """A staging folder inside the output folder; ``commit`` moves its files into place.

    Use as a context manager: leaving the block without :meth:`commit` (an exception) removes
    everything staged.

    Args:
        folder: the output folder (created if missing).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.staging: Path | None = None
        self.files: list[Path] = []
        self.committed = False
        #: the folders this run creates (deepest last), removed again if the run fails.
        self.created: list[Path] = []

    def __enter__(self) -> "StagedOutputs":
        missing = self.folder.absolute()
        while not missing.exists() and missing.parent != missing:
            self.created.insert(0, missing)
            missing = missing.parent
        try:
            check_writable(self.folder)
            files.remove_stale_temporaries(self.folder)  # staging folders of runs killed with SIGKILL
            self.staging = files.temporary_name(self.folder, "staging")  # named first: an interruption cannot lose it
            self.staging.mkdir(mode=0o700)
        except BaseException:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
            self._remove_created()
            raise
        return self

    def path(self, relative: str) -> Path:
        """Where to write the output ``relative`` (e.g. ``cars/red_mask.png``) while staging."""
        assert self.staging is not None, "use StagedOutputs as a context manager"
        target = self.staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(Path(relative))
        return target

    def commit(self) -> list[Path]:
        """Move every staged file to its final place; return the final paths."""
        assert self.staging is not None
        final = []
        try:
            for relative in self.files:
                source = self.staging / relative
                if not source.exists():
                    continue
                target = self.folder / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
                final.append(target)
            self.committed = True
        except OSError as err:
            raise NnplugError(f"cannot write outputs in {self.folder}: {err.strerror or err}") from None
        return final

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        if not self.committed:
            self._remove_created()

    def _remove_created(self) -> None:
        for folder in reversed(self.created):
            try:
                folder.rmdir()  # only when empty: never removes anything a user put there
            except OSError:
                break
