"""The repository itself: nothing from a data directory and no secret is ever committed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# File names that say "secret" or "key material", wherever they sit in the tree.
SECRET_NAME = re.compile(
    r"(secret|private[_-]?key|(^|[_.-])key$|\.pem$|\.key$|\.p12$|id_rsa|id_ed25519)", re.I
)


def _tracked() -> list[str]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def test_no_data_directory_is_committed() -> None:
    assert [p for p in _tracked() if p.startswith("townhall-data/") or "/townhall-data/" in p] == []


def test_no_file_named_like_a_secret_is_committed() -> None:
    assert [p for p in _tracked() if SECRET_NAME.search(Path(p).name)] == []


def test_gitignore_lists_the_default_data_directory() -> None:
    assert "townhall-data/" in (REPO / ".gitignore").read_text().splitlines()
