"""Production static files: collected when the sources change, hashed, compressed, cached for years."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import factories as testing
from townhall.core import staticfiles

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_static(settings: Any, tmp_path: Path) -> Path:
    """Settings as with debug off: the manifest storage, no finders, a fresh STATIC_ROOT."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "probe.css").write_text("body { color: black; }\n")
    settings.STATIC_ROOT = str(tmp_path / "data" / "static")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, str(extra)]
    settings.COLLECTED_STATIC = True
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    return extra


def test_collects_once_and_again_only_when_a_source_changes(
    production_static: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    def collectstatic(name: str, **options: Any) -> None:  # the real one runs in the next test
        runs.append(name)
        Path(settings.STATIC_ROOT, staticfiles.MANIFEST_NAME).write_text("{}")

    monkeypatch.setattr("django.core.management.call_command", collectstatic)
    assert staticfiles.collect_if_needed() is True
    assert staticfiles.collect_if_needed() is False  # nothing changed: no second run
    probe = production_static / "probe.css"
    probe.write_text("body { color: navy; }\n")
    os.utime(probe, ns=(1, 1))  # a different modification time, whatever the clock's resolution
    assert staticfiles.is_current() is False
    assert staticfiles.collect_if_needed() is True
    assert runs == ["collectstatic", "collectstatic"]


def test_debug_and_tests_never_collect(settings: Any) -> None:
    settings.COLLECTED_STATIC = False
    assert staticfiles.collect_if_needed() is False


def test_collected_files_are_hashed_compressed_and_immutable(production_static: Path) -> None:
    testing.make_community(landing_public=True)
    staticfiles.collect_if_needed()
    client = Client()  # a new handler: WhiteNoise reads the collected files now
    page = client.get("/").content.decode()
    css = re.search(r'href="(/static/townhall/townhall\.[0-9a-f]{12}\.css)"', page)
    assert css is not None
    response = client.get(css.group(1), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert client.get(css.group(1), HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in client.get(css.group(1))  # a client that accepts neither
