"""Settings for every test under ``tests/`` and ``plugins/*/tests``.

The test runs never touch the user's caches: ``XDG_CACHE_HOME`` points to a temporary folder for
the whole session (subprocesses such as ``bin/train`` inherit it), so the image loaders' disk
cache of preprocessed samples lives there.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield
