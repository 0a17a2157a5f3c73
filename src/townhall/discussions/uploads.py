"""Uploads for posts: storing one for a post in a space, binding the uploads a post links to, and
finding one for a reader. Sniffing, sanitising, storing and serving are content.uploads, shared with chat.
"""

from __future__ import annotations

import re
from typing import IO, TYPE_CHECKING

from django.db.models import Q

from townhall.content.uploads import hit_rate_limit, prepare, sniff, storage, store
from townhall.core.errors import NotFound
from townhall.discussions.models import Post, Upload

if TYPE_CHECKING:
    from townhall.policy import Guardian
    from townhall.spaces.models import Space

__all__ = ["attach_uploads", "get_upload_or_404", "sniff", "storage", "upload_file"]

_UPLOAD_REF = re.compile(r"/uploads/(\d+)/")


def upload_file(guardian: Guardian, space: Space, *, file: IO[bytes], name: str) -> Upload:
    """Store an upload for a post in `space` (the uploader must be able to post there).

    Errors: NotFound, PermissionDenied, Invalid (too big, not allowed, damaged), RateLimited.
    """
    guardian.spaces.post.ensure(space)
    found = prepare(file, name)
    hit_rate_limit(guardian.user_id)
    return store(guardian.user_id, space, found)


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
