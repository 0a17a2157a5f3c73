"""Collected static files: run `collectstatic` when the sources changed since the last run.

With debug off (settings.COLLECTED_STATIC) pages link content-hashed names from collectstatic's
manifest, and WhiteNoise serves the hashed files with their gzip and Brotli copies from STATIC_ROOT.
A fresh clone, an upgrade or an edited stylesheet must therefore be collected before serving; the CLI
calls `collect_if_needed()` in `demo` and `serve`, so nobody has to remember it. The check costs a
directory walk: a fingerprint of every source file (path, size, modification time) is kept next to
STATIC_ROOT (not inside it, where WhiteNoise would serve it) and compared.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings

STAMP_NAME = "static.fingerprint"
MANIFEST_NAME = "staticfiles.json"


def sources_fingerprint() -> str:
    """A hash of every file the static finders see, and of the storage that would collect them."""
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256(str(settings.STORAGES["staticfiles"]["BACKEND"]).encode())
    seen: set[str] = set()
    rows: list[str] = []
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None) or ""
            name = f"{prefix}/{path}" if prefix else path
            if name in seen:  # the first finder's file wins, as in collectstatic
                continue
            seen.add(name)
            stat = Path(storage.path(path)).stat()
            rows.append(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for row in sorted(rows):
        digest.update(row.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _stamp() -> Path:
    root = Path(settings.STATIC_ROOT)
    return root.parent / STAMP_NAME


def is_current() -> bool:
    """True when STATIC_ROOT holds a manifest collected from exactly today's sources."""
    root = Path(settings.STATIC_ROOT)
    stamp = _stamp()
    if not (root / MANIFEST_NAME).is_file() or not stamp.is_file():
        return False
    return stamp.read_text().strip() == sources_fingerprint()


def collect_if_needed() -> bool:
    """Run collectstatic when debug is off and the sources changed; True when it ran.

    Raises OSError when STATIC_ROOT cannot be written (the CLI turns that into one sentence).
    """
    if not getattr(settings, "COLLECTED_STATIC", False) or is_current():
        return False
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    _stamp().write_text(sources_fingerprint() + "\n")
    return True
