"""Uploads for posts and chat messages, written once: the type is sniffed from the bytes (never the
name), images go through core.images.sanitize_image (limited in pixels before decoding, resized,
re-encoded without any metadata, animations bounded); other files are accepted only from a short
allow-list (PDF, plain text). Files live under DISCUSSIONS_UPLOAD_ROOT (default: <data dir>/uploads),
outside the public media folder, and each app serves them after asking the Guardian (`file_response`).

`prepare` reads and checks a file without storing anything, so a caller with several files (a chat
message's attachments) refuses the lot before writing any; `store` writes one and records it. The
settings keep their first names (DISCUSSIONS_UPLOAD_*): they now govern every upload.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import FileResponse, Http404

from townhall.activity.log import record_activity
from townhall.content.events import UploadData
from townhall.core import ratelimit
from townhall.core.errors import Invalid
from townhall.core.images import ImageRejected, sanitize_image
from townhall.discussions.models import Upload
from townhall.spaces.models import Space

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 6000 x 4000 and a little more; checked from the header, before decoding
MAX_SIDE = 2048
UPLOAD_RATE = "30/m"
NOT_ALLOWED = "This type of file is not allowed. Upload images (JPEG, PNG, GIF, WebP), PDFs or text files."


def storage() -> FileSystemStorage:
    root = getattr(settings, "DISCUSSIONS_UPLOAD_ROOT", None) or Path(settings.DATA_DIR) / "uploads"
    return FileSystemStorage(location=str(root))


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    return _limit("DISCUSSIONS_UPLOAD_MAX_BYTES", MAX_BYTES)


@dataclass
class Sniffed:
    kind: str
    content_type: str
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None
    name: str = ""  # the cleaned name shown and offered on download (set by `prepare`)


def clean_name(name: str, extension: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name or "file").stem).strip("-._")[:80] or "file"
    return f"{stem}.{extension}"


def sniff(data: bytes) -> Sniffed:
    """What the bytes are, whatever the file is called. Raises Invalid for anything not allowed."""
    if data.startswith(b"%PDF-"):
        return Sniffed(kind=Upload.FILE, content_type="application/pdf", extension="pdf", data=data)
    try:
        image = sanitize_image(
            data,
            max_pixels=_limit("DISCUSSIONS_UPLOAD_MAX_PIXELS", MAX_PIXELS),
            max_side=MAX_SIDE,
            field="file",
        )
    except ImageRejected as exc:
        if exc.code != "not_an_image":
            raise
    else:
        return Sniffed(
            Upload.IMAGE, image.content_type, image.extension, image.data, image.width, image.height
        )
    if b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return Sniffed(
                kind=Upload.FILE, content_type="text/plain; charset=utf-8", extension="txt", data=data
            )
    raise Invalid(NOT_ALLOWED, field_errors={"file": [NOT_ALLOWED]})


def prepare(file: IO[bytes], name: str, *, field: str = "file") -> Sniffed:
    """Read and check one file (not empty, not too big, an allowed type); nothing is stored.
    Invalid names the file in its message when a caller sends several."""
    limit = max_bytes()
    data = file.read(limit + 1)
    shown = Path(name or "file").name[:80]
    if not data:
        msg = f"The file {shown} is empty." if field != "file" else "The file is empty."
        raise Invalid(msg, field_errors={field: [msg]})
    if len(data) > limit:
        msg = f"Files can be at most {limit // (1024 * 1024)} MB."
        msg = f"{shown}: {msg}" if field != "file" else msg
        raise Invalid(msg, field_errors={field: [msg]})
    try:
        found = sniff(data)
    except Invalid as exc:
        msg = f"{shown}: {exc.message}" if field != "file" else exc.message
        raise Invalid(msg, field_errors={field: [msg]}) from None
    found.name = clean_name(name, found.extension)
    return found


def hit_rate_limit(user_id: int | None, count: int = 1) -> None:
    """Count `count` uploads against the person's allowance (RateLimited past it)."""
    rate = str(getattr(settings, "DISCUSSIONS_UPLOAD_RATE", UPLOAD_RATE))
    for _ in range(count):
        ratelimit.hit(f"discussions-upload:{user_id}", rate)


def store(uploader_id: int | None, space: Space, found: Sniffed, *, at: datetime | None = None) -> Upload:
    """Write one prepared file and its Upload row with an Activity row (at `at`: the bulk layers). The
    file is written first: when the caller's transaction rolls back, `forget` removes it."""
    relative = f"{secrets.token_hex(2)}/{secrets.token_urlsafe(16)}.{found.extension}"
    saved = storage().save(relative, io.BytesIO(found.data))
    with transaction.atomic():
        upload = Upload.objects.create(
            uploader_id=uploader_id,
            space=space,
            kind=found.kind,
            path=saved,
            name=found.name or clean_name("file", found.extension),
            content_type=found.content_type,
            size=len(found.data),
            width=found.width,
            height=found.height,
        )
        record_activity(
            uploader_id, "upload.created", upload, space_id=space.pk, data=UploadData(found.kind), at=at
        )
    return upload


def forget(paths: list[str]) -> None:
    """Remove stored files whose rows were never committed."""
    store_ = storage()
    for path in paths:
        store_.delete(path)


def file_response(upload: Upload, *, public: bool) -> FileResponse:
    """The file, with headers that stop browsers from guessing or running it; images inline, other
    files as downloads. The caller has asked the Guardian."""
    try:
        handle = storage().open(upload.path, "rb")
    except FileNotFoundError:
        raise Http404("No such file") from None
    response = FileResponse(
        handle,
        content_type=upload.content_type,
        as_attachment=upload.kind != Upload.IMAGE,
        filename=upload.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400" if public else "private, max-age=3600"
    return response
