"""The installable app: manifest, icons, service worker and offline page (web/pwa.py)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.base import ContentFile
from PIL import Image

import factories as testing


def test_the_manifest_speaks_for_the_community(client: Any, db: None) -> None:
    testing.make_community(name="Night Sky Collective", accent_color="#7b2cbf")
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["name"] == "Night Sky Collective"
    assert manifest["short_name"] == "Night Sky"
    assert manifest["description"] == "Astrophotographers helping each other see further"
    assert manifest["theme_color"] == "#7b2cbf"
    assert (manifest["start_url"], manifest["scope"], manifest["display"], manifest["id"]) == (
        "/",
        "/",
        "standalone",
        "/",
    )
    icons = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), src in icons.items():
        picture = client.get(src)
        assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(picture.content))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == sizes


def test_icons_follow_the_accent_colour_and_the_maskable_one_bleeds(client: Any, db: None) -> None:
    testing.make_community(accent_color="#1b4332")
    rounded = Image.open(io.BytesIO(client.get("/pwa/icon-512.png").content)).convert("RGBA")
    maskable = Image.open(io.BytesIO(client.get("/pwa/icon-maskable-512.png").content)).convert("RGBA")
    assert rounded.getpixel((0, 0))[3] == 0  # rounded corner: transparent
    assert rounded.getpixel((40, 256))[:3] == (0x1B, 0x43, 0x32)
    assert maskable.getpixel((0, 0)) == (0x1B, 0x43, 0x32, 255)  # full bleed for the platform's mask
    assert maskable.getpixel((256, 256))[:3] == (255, 255, 255)  # the white house in the safe zone


def test_an_uploaded_logo_becomes_the_icon(client: Any, community: Any) -> None:
    logo = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 30, 30)).save(logo, format="PNG")
    community.logo.save("logo.png", ContentFile(logo.getvalue()))
    icon = Image.open(
        io.BytesIO(client.get(client.get("/manifest.webmanifest").json()["icons"][0]["src"]).content)
    )
    assert icon.convert("RGB").getpixel((96, 96)) == (200, 30, 30)


@pytest.mark.parametrize("path", ["/pwa/icon-64.png", "/pwa/icon-maskable-1024.png", "/pwa/icon-99999.png"])
def test_only_the_listed_icon_sizes_exist(client: Any, community: Any, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_service_worker_covers_the_site(client: Any, community: Any) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/javascript; charset=utf-8"
    assert answer["Service-Worker-Allowed"] == "/"
    assert answer["Cache-Control"] == "no-cache"
    text = answer.content.decode()
    for handler in ('"install"', '"activate"', '"fetch"', '"push"', '"notificationclick"'):
        assert f"addEventListener({handler}" in text
    assert '"/offline/"' in text and "__VERSION__" not in text and "{{" not in text


def test_the_service_worker_names_its_cache_after_its_content(client: Any, community: Any) -> None:
    first = client.get("/sw.js").content
    assert client.get("/sw.js").content == first
    community.name = "Deep Sky Collective"
    community.save()
    assert client.get("/sw.js").content != first


def test_the_offline_page_carries_nobodys_data(client_for: Any, member: Any) -> None:
    answer = client_for(member).get("/offline/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "You are offline" in html and member.username not in html and "csrfmiddlewaretoken" not in html


def test_every_page_links_the_manifest_and_registers_the_worker(client: Any, community: Any) -> None:
    html = client.get("/", follow=True).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert "townhall/pwa.js" in html
