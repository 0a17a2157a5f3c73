"""Serving a chat message's files: to those who may see the message (a deleted one's to its moderators),
with the shared upload headers (content.uploads.file_response)."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from townhall.chat import queries
from townhall.content.uploads import file_response
from townhall.policy.request import guardian_of
from townhall.spaces.models import Space


@require_GET
def attachment_serve(request: HttpRequest, attachment_id: int, name: str) -> HttpResponseBase:
    row = queries.get_attachment_or_404(guardian_of(request), attachment_id)
    message = row.message
    public = message.space.visibility == Space.PUBLIC and message.deleted_at is None
    return file_response(row.upload, public=public)
