"""Activity payloads of what content writes for both apps (the verbs stay declared by discussions,
which registered "upload.created" first)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UploadData:
    kind: str  # "image" or "file"
