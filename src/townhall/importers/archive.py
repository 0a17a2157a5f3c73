"""Reading an uploaded export safely: one file, a folder, or a zip, behind one small interface.

Every name inside a zip is checked before anything is read: absolute paths, `..`, drive letters and
backslashes are refused (path traversal), and so are archives whose members would expand past the
limits (a zip bomb: too many members, too large in total, or a member compressed more than 200-fold
beyond a megabyte). Members are opened as streams; nothing is extracted to disk.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 4 * 1024**3  # uncompressed
MAX_RATIO = 200
RATIO_FLOOR = 1024**2  # small members may compress well (a text of spaces)
MAX_FILE_BYTES = 2 * 1024**3  # an upload larger than this is refused before reading


class ArchiveError(Exception):
    """The upload cannot be read safely; the message is for the person importing."""


class Archive(Protocol):
    name: str  # the uploaded file's name, for messages

    def names(self) -> list[str]:
        """Member names ("export/chat.txt"), POSIX-style, in archive order."""
        ...

    def open(self, name: str) -> IO[bytes]:
        """A binary stream of one member. Raises KeyError for a name not in `names()`."""
        ...

    def size(self, name: str) -> int: ...

    def close(self) -> None: ...


def _safe_name(name: str) -> str:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(
            f"The archive holds a file with an unsafe path ({name[:80]!r}); nothing was imported."
        )
    parts = PurePosixPath(name).parts
    if any(part == ".." for part in parts):
        raise ArchiveError(
            f"The archive holds a file with an unsafe path ({name[:80]!r}); nothing was imported."
        )
    return name


class ZipArchive:
    def __init__(self, path: Path, *, name: str | None = None) -> None:
        self.name = name or path.name
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(f"{self.name} is not a readable zip file.") from exc
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"{self.name} holds more than {MAX_MEMBERS:,} files; nothing was imported.")
        total = 0
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = _safe_name(info.filename)
            if info.is_dir():
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise ArchiveError(f"{self.name} would expand to more than 4 GB; nothing was imported.")
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise ArchiveError(
                    f"{self.name} looks like a zip bomb ({name[:80]!r} expands {info.file_size:,} bytes "
                    f"from {info.compress_size:,}); nothing was imported."
                )
            self._infos[name] = info

    def names(self) -> list[str]:
        return list(self._infos)

    def open(self, name: str) -> IO[bytes]:
        return self._zip.open(self._infos[name])

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    def close(self) -> None:
        self._zip.close()


class FolderArchive:
    """An export unpacked into a folder (Slack's, Telegram's), read from the command line."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self._root = path.resolve()
        self._files = {
            p.relative_to(self._root).as_posix(): p
            for p in sorted(self._root.rglob("*"))
            if p.is_file() and not p.is_symlink()
        }

    def names(self) -> list[str]:
        return list(self._files)

    def open(self, name: str) -> IO[bytes]:
        return self._files[name].open("rb")

    def size(self, name: str) -> int:
        return self._files[name].stat().st_size

    def close(self) -> None:
        pass


class FileArchive:
    """A single exported file (WhatsApp's .txt, DiscordChatExporter's or Telegram's .json)."""

    def __init__(self, path: Path, *, name: str | None = None) -> None:
        self.name = name or path.name
        self._path = path

    def names(self) -> list[str]:
        return [self.name]

    def open(self, name: str) -> IO[bytes]:
        if name != self.name:
            raise KeyError(name)
        return self._path.open("rb")

    def size(self, name: str) -> int:
        return self._path.stat().st_size

    def close(self) -> None:
        pass


def open_archive(path: Path, *, name: str | None = None) -> Archive:
    """The right Archive for `path` (a folder, a zip, or one file). Raises ArchiveError for an empty or
    oversized file, with a sentence for the person importing."""
    shown = name or path.name
    if path.is_dir():
        return FolderArchive(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArchiveError(f"{shown} cannot be read.") from exc
    if size == 0:
        raise ArchiveError(f"{shown} is empty; nothing was imported.")
    if size > MAX_FILE_BYTES:
        raise ArchiveError(f"{shown} is larger than 2 GB; nothing was imported.")
    if zipfile.is_zipfile(path):
        return ZipArchive(path, name=shown)
    return FileArchive(path, name=shown)


def iter_lines(stream: IO[bytes]) -> Iterator[str]:
    """Text lines of a UTF-8 export (a BOM and CRLF removed), decoded incrementally."""
    import codecs

    reader = codecs.getreader("utf-8-sig")(stream, "replace")
    for line in reader:
        yield line.rstrip("\r\n")
