"""Townhall as an installable web app: the manifest, its icons, the service worker and the offline page.

The manifest and icons follow the community's identity (name, tagline, accent colour, logo), so they
are rendered here rather than committed as files: a new logo or colour shows in the installed app
without a release. Icons are drawn with Pillow (the house glyph of favicon.svg on the accent colour,
or the uploaded logo) and cached per identity; the manifest links them with the identity's version,
so they may be cached for long.

The service worker is served at /sw.js so that its scope is the whole site (`Service-Worker-Allowed: /`
says so explicitly); it is rendered from templates/pwa/sw.js with the static files' current URLs, and
must be revalidated on every check (`Cache-Control: no-cache`) so that an update is seen at once.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from PIL import Image, ImageDraw

from townhall.community.colors import DEFAULT, HEX, contrast
from townhall.community.models import Community
from townhall.community.queries import get_community

logger = logging.getLogger(__name__)

ICON_SIZES = (192, 512)
BACKGROUND = "#ffffff"  # the splash screen's, like the light theme's page

# favicon.svg's glyph in its 32 x 32 box: the roof, three columns and the step.
_ROOF = [(16, 4.5), (4.5, 11), (4.5, 13.5), (27.5, 13.5), (27.5, 11)]
_BLOCKS = [(7, 15, 10.2, 24), (14.4, 15, 17.6, 24), (21.8, 15, 25, 24), (5, 25.3, 27, 28)]


def _accent(community: Community) -> str:
    return community.accent_color if HEX.match(community.accent_color or "") else DEFAULT


def _version(community: Community) -> str:
    stamp = f"{community.name}|{_accent(community)}|{community.logo.name if community.logo else ''}"
    stamp += f"|{community.updated_at.isoformat() if getattr(community, 'updated_at', None) else ''}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:12]


def _short_name(name: str) -> str:
    """Home screens cut names past about 12 characters: as many whole words as fit, or the cut name."""
    short = ""
    for word in name.split():
        if len(f"{short} {word}".strip()) > 12:
            break
        short = f"{short} {word}".strip()
    return short or name[:12]


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    community = get_community()
    version = _version(community)
    icons = [
        {
            "src": f"{reverse('pwa-icon', args=[size])}?v={version}",
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any",
        }
        for size in ICON_SIZES
    ]
    icons.append(
        {
            "src": f"{reverse('pwa-icon-maskable', args=[512])}?v={version}",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    body = {
        "id": "/",
        "name": community.name,
        "short_name": _short_name(community.name),
        "description": community.tagline,
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND,
        "theme_color": _accent(community),
        "icons": icons,
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _glyph_color(accent: str) -> str:
    return "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, "#000000") else "#000000"


def _draw_house(size: int, accent: str, *, maskable: bool) -> Image.Image:
    """The house glyph on the accent colour, drawn at 4x and scaled down (smooth edges)."""
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=accent)  # full bleed: the platform cuts its own shape
        scale, offset = big * 0.62 / 32, big * 0.19  # the glyph inside the 80 % safe circle
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 7 / 32, fill=accent)
        scale, offset = big / 32, 0.0
    ink = _glyph_color(accent)
    draw.polygon([(offset + x * scale, offset + y * scale) for x, y in _ROOF], fill=ink)
    for x0, y0, x1, y1 in _BLOCKS:
        draw.rectangle(
            (offset + x0 * scale, offset + y0 * scale, offset + x1 * scale, offset + y1 * scale), fill=ink
        )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _draw_logo(size: int, accent: str, community: Community, *, maskable: bool) -> Image.Image | None:
    """The uploaded logo (already checked and re-encoded at upload), centred; None when it cannot be read."""
    try:
        with community.logo.open("rb") as handle:
            opened = Image.open(handle)
            opened.load()
    except (OSError, ValueError) as exc:
        logger.warning("pwa: the community logo could not be read for the app icon: %s", exc)
        return None
    logo = opened.convert("RGBA")
    image = Image.new("RGBA", (size, size), accent if maskable else (255, 255, 255, 0))
    box = int(size * (0.6 if maskable else 1.0))
    logo.thumbnail((box, box), Image.Resampling.LANCZOS)
    image.alpha_composite(logo, ((size - logo.width) // 2, (size - logo.height) // 2))
    return image


def _icon_png(size: int, *, maskable: bool) -> bytes:
    community = get_community()
    key = f"pwa:icon:{size}:{int(maskable)}:{_version(community)}"
    cached = cache.get(key)
    if cached is not None:
        return bytes(cached)
    accent = _accent(community)
    image = _draw_logo(size, accent, community, maskable=maskable) if community.logo else None
    if image is None:
        image = _draw_house(size, accent, maskable=maskable)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    data = out.getvalue()
    cache.set(key, data, timeout=24 * 3600)
    return data


def _icon_response(size: int, *, maskable: bool) -> HttpResponse:
    if size not in ICON_SIZES:
        raise Http404("No icon of that size")
    response = HttpResponse(_icon_png(size, maskable=maskable), content_type="image/png")
    response["Cache-Control"] = "public, max-age=604800"  # the manifest's links carry the version
    return response


@require_GET
def icon(request: HttpRequest, size: int) -> HttpResponse:
    return _icon_response(size, maskable=False)


@require_GET
def icon_maskable(request: HttpRequest, size: int) -> HttpResponse:
    return _icon_response(size, maskable=True)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    community = get_community()
    text: str = render_to_string(
        "pwa/sw.js",
        {
            "community_name": community.name,
            "offline_url": reverse("pwa-offline"),
            "css_url": static("townhall/townhall.css"),
            "icon_url": reverse("pwa-icon", args=[192]),
        },
    )
    # The offline cache is named after the worker's own content: a new page or stylesheet, a new cache.
    text = text.replace("__VERSION__", hashlib.sha256(text.encode()).hexdigest()[:12], 1)
    response = HttpResponse(text, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """Kept by the service worker and shown when a page cannot be loaded: nobody's data in it."""
    response = render(request, "pwa/offline.html", {"community_name": get_community().name})
    response["Cache-Control"] = "no-cache"
    return response
