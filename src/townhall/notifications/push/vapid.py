"""This installation's VAPID identity (RFC 8292): one P-256 key pair, generated once and kept in the
data directory like the secret key (`vapid_private_key.pem`, mode 0600), or given whole in
TOWNHALL_VAPID_PRIVATE_KEY when several servers must share it.

Every push service ties a subscription to the public key that the page passed to
`pushManager.subscribe({applicationServerKey})`: a new key silently orphans every device, so the key
is created with an exclusive link (two processes starting at once agree on one key) and never rotated
by the code.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from email.utils import parseaddr
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid

KEY_FILE = "vapid_private_key.pem"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _create_once(path: Path) -> None:
    """Write a new key to `path` unless one is there; a concurrent creator's key wins if it was first."""
    fresh = Vapid()
    fresh.generate_keys()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(fresh.private_pem())
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):  # os.link is atomic and fails when the file exists
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def _load(data_dir: Path, configured: str) -> Vapid:
    if configured.strip():
        text = configured.strip()
        return Vapid.from_pem(text.encode()) if "-----BEGIN" in text else Vapid.from_string(text)
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        _create_once(path)
    return Vapid.from_file(str(path))


@cache
def _keys(data_dir: str, configured: str) -> Vapid:
    return _load(Path(data_dir), configured)


def keys() -> Vapid:
    """The key pair (read once per process and data directory)."""
    return _keys(str(settings.DATA_DIR), settings.VAPID_PRIVATE_KEY)


def public_key() -> str:
    """The public key as the page hands it to pushManager.subscribe: base64url, uncompressed point."""
    raw = keys().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(raw)


def subject() -> str:
    """Who push services contact about our pushes: TOWNHALL_VAPID_SUBJECT, or the sender address."""
    if settings.VAPID_SUBJECT:
        return str(settings.VAPID_SUBJECT)
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    return f"mailto:{address}"
