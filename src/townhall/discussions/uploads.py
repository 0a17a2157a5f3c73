"""Uploads for posts: the type is sniffed from the bytes (never the name), images go through
core.images.sanitize_image (limited in pixels before decoding, resized, re-encoded without any
metadata, animations bounded); other files are accepted only from a short allow-list (PDF, plain text).

Files live under DISCUSSIONS_UPLOAD_ROOT (default: <data dir>/uploads), outside the public media
folder, and are served by `serve_upload` after asking the Guardian.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.db.models import Q

from townhall.activity.log import record_activity
from townhall.core import ratelimit
from townhall.core.errors import Invalid, NotFound
from townhall.core.images import ImageRejected, sanitize_image
from townhall.discussions.events import UploadData
from townhall.discussions.models import Post, Upload

if TYPE_CHECKING:
    from townhall.policy import Guardian
    from townhall.spaces.models import Space

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 25_000_000  # 6000 x 4000 and a little more; checked from the header, before decoding
MAX_SIDE = 2048
UPLOAD_RATE = "30/m"
_UPLOAD_REF = re.compile(r"/uploads/(\d+)/")


def storage() -> FileSystemStorage:
    root = getattr(settings, "DISCUSSIONS_UPLOAD_ROOT", None) or Path(settings.DATA_DIR) / "uploads"
    return FileSystemStorage(location=str(root))


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass
class Sniffed:
    kind: str
    content_type: str
    extension: str
    data: bytes
    width: int | None = None
    height: int | None = None


def _clean_name(name: str, extension: str) -> str:
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
    msg = "This type of file is not allowed. Upload images (JPEG, PNG, GIF, WebP), PDFs or text files."
    raise Invalid(msg, field_errors={"file": [msg]})


def upload_file(guardian: Guardian, space: Space, *, file: IO[bytes], name: str) -> Upload:
    """Store an upload for a post in `space` (the uploader must be able to post there).

    Errors: NotFound, PermissionDenied, Invalid (too big, not allowed, damaged), RateLimited.
    """
    guardian.spaces.post.ensure(space)
    max_bytes = _limit("DISCUSSIONS_UPLOAD_MAX_BYTES", MAX_BYTES)
    data = file.read(max_bytes + 1)
    if not data:
        raise Invalid("The file is empty.", field_errors={"file": ["The file is empty."]})
    if len(data) > max_bytes:
        msg = f"Files can be at most {max_bytes // (1024 * 1024)} MB."
        raise Invalid(msg, field_errors={"file": [msg]})
    ratelimit.hit(
        f"discussions-upload:{guardian.user_id}",
        str(getattr(settings, "DISCUSSIONS_UPLOAD_RATE", UPLOAD_RATE)),
    )
    found = sniff(data)
    clean = _clean_name(name, found.extension)
    relative = f"{secrets.token_hex(2)}/{secrets.token_urlsafe(16)}.{found.extension}"
    store = storage()
    saved = store.save(relative, io.BytesIO(found.data))
    with transaction.atomic():
        upload = Upload.objects.create(
            uploader=guardian.user,
            space=space,
            kind=found.kind,
            path=saved,
            name=clean,
            content_type=found.content_type,
            size=len(found.data),
            width=found.width,
            height=found.height,
        )
        record_activity(
            guardian.user, "upload.created", upload, space_id=space.pk, data=UploadData(found.kind)
        )
    return upload


def attach_uploads(post: Post, *, uploader_id: int | None, space_id: int) -> None:
    """Bind the uploads a post links to (the uploader's own, from the same space, not yet attached)."""
    ids = {int(i) for i in _UPLOAD_REF.findall(post.body)}
    if ids and uploader_id is not None:
        Upload.objects.filter(
            pk__in=list(ids)[:50], uploader_id=uploader_id, space_id=space_id, post__isnull=True
        ).update(post=post)


def get_upload_or_404(guardian: Guardian, upload_id: int) -> Upload:
    upload = Upload.objects.select_related("space", "post__topic__space").filter(Q(pk=upload_id)).first()
    if upload is None or not guardian.discussions.fetch_upload.can(upload):
        raise NotFound("No such file")
    return upload
