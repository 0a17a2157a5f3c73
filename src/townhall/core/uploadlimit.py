"""Refusing an upload that is too large while it arrives, not after all of it is on disk.

Django writes every uploaded file to a temporary file before a view sees it, whatever its size. A view
that takes big files calls `limit_uploads(request, max_bytes)` before anything reads `request.POST`
or `request.FILES` (so the view is `csrf_exempt` and checks CSRF itself afterwards, as Django's
documentation on upload handlers says): a body declared larger than the limit is not read at all, and
otherwise reading stops as soon as one file passes the limit. `UploadLimit` then says which happened
and the view answers with a clear message; the fields sent after the file are lost with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

FORM_FIELDS_BYTES = 1024 * 1024  # room for the other fields of the form in a declared length


@dataclass
class UploadLimit:
    max_bytes: int
    declared_too_large: bool = False  # the request said its body is larger: nothing was read
    stopped: bool = False  # a file passed the limit while it arrived: reading stopped there


class _SizeLimitHandler(FileUploadHandler):
    """First in the chain: counts each file's bytes and stops the upload once one passes the limit."""

    def __init__(self, request: HttpRequest, limit: UploadLimit) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit.max_bytes:
            self.limit.stopped = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the handlers after this one make the file


def limit_uploads(request: HttpRequest, max_bytes: int) -> UploadLimit:
    """Install the limit on `request` (before its body is read); see the module docstring."""
    limit = UploadLimit(max_bytes=max_bytes)
    if request.method == "POST":
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit.declared_too_large = declared > max_bytes + FORM_FIELDS_BYTES
        request.upload_handlers.insert(0, _SizeLimitHandler(request, limit))
    return limit
