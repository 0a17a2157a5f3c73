from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from toysource import MultiToySource, ToySource

from townhall.importers.registry import register_source, sources


@pytest.fixture(autouse=True)
def _toy_sources() -> Iterator[None]:
    register_source(ToySource())
    register_source(MultiToySource())
    yield
    sources.unregister("toychat")
    sources.unregister("toyteam")


@pytest.fixture(autouse=True)
def _files_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DATA_DIR = tmp_path / "data"
