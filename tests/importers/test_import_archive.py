"""Reading an upload safely (importers/archive.py): zip bombs, path traversal, empty and oversized files
are refused with a sentence before anything is parsed; folders skip symlinks; text lines lose a BOM and
CRLF."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from townhall.importers.archive import (
    MAX_FILE_BYTES,
    ArchiveError,
    FileArchive,
    FolderArchive,
    ZipArchive,
    iter_lines,
    open_archive,
)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"_chat.txt": b"0" * (8 * 1024 * 1024)})  # 8 MB of one byte
    with pytest.raises(ArchiveError, match="zip bomb"):
        open_archive(bomb)


def test_a_small_member_that_compresses_well_is_fine(tmp_path: Path) -> None:
    fine = _zip(tmp_path / "fine.zip", {"_chat.txt": b" " * 100_000})
    archive = open_archive(fine)
    assert isinstance(archive, ZipArchive) and archive.names() == ["_chat.txt"]
    assert archive.open("_chat.txt").read() == b" " * 100_000


@pytest.mark.parametrize(
    "name", ["../evil.txt", "media/../../evil.txt", "/etc/passwd", "C:/x.txt", "a\\..\\b"]
)
def test_a_path_traversal_name_is_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / "sly.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(ArchiveError, match="unsafe path"):
        open_archive(path)


def test_an_empty_file_and_a_file_over_2_gb_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ArchiveError, match="empty"):
        open_archive(empty)
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:  # sparse: no 2 GB written to disk
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ArchiveError, match="larger than 2 GB"):
        open_archive(huge)


def test_a_file_that_is_not_a_zip_is_read_as_one_file(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_bytes("\ufeff1/2/21, 10:00 - Ana: hola\r\n\r\nsecond line\r\n".encode())
    archive = open_archive(chat)
    assert isinstance(archive, FileArchive) and archive.names() == ["chat.txt"]
    assert list(iter_lines(archive.open("chat.txt"))) == ["1/2/21, 10:00 - Ana: hola", "", "second line"]
    with pytest.raises(KeyError):
        archive.open("other.txt")


def test_a_broken_zip_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("a.txt", b"x" * 1000)
    broken.write_bytes(data.getvalue()[:-30])  # the central directory cut off
    with pytest.raises(ArchiveError):
        ZipArchive(broken)


def test_a_folder_export_lists_its_files_and_skips_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "export"
    (root / "general").mkdir(parents=True)
    (root / "users.json").write_text("[]")
    (root / "general" / "2021-01-01.json").write_text("[]")
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    os.symlink(secret, root / "link.txt")
    archive = open_archive(root)
    assert isinstance(archive, FolderArchive)
    assert archive.names() == ["general/2021-01-01.json", "users.json"]
