"""Files in chat, in a real browser with axe-core on every page: a member sends a message with a photo
and a text file from the composer (htmx, multipart), sees the photo under the message and the file as a
link; eleven files are refused beside the form with the text kept and nothing stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from browser_steps import log_in
from PIL import Image
from playwright.sync_api import expect

import factories as testing
from townhall.chat.models import Message
from townhall.discussions.models import Upload
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_send_files_and_see_them(new_ui: Any, db: None, scheme: str, settings: Any, tmp_path: Any) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    testing.make_community()
    max_ = testing.make_member("max", display_name="Max Member")
    testing.make_space("Night owls", kind="chat", visibility=Space.MEMBERS, members=[max_])

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/s/night-owls/")
    page = ui.page
    page.get_by_label("Message Night owls").fill("All eleven subs")
    page.get_by_label("Attach files").set_input_files(
        [{"name": f"sub{i}.png", "mimeType": "image/png", "buffer": _png()} for i in range(11)]
    )
    ui.act(page.get_by_role("button", name="Send"))
    expect(page.get_by_text("A message can carry at most 10 files (this one has 11).")).to_be_visible()
    expect(page.get_by_label("Message Night owls")).to_have_value("All eleven subs")
    assert not Message.objects.exists() and not Upload.objects.exists()

    page.get_by_label("Message Night owls").fill("Orion tonight, and my log")
    page.get_by_label("Attach files").set_input_files(
        [
            {"name": "orion.png", "mimeType": "image/png", "buffer": _png()},
            {"name": "log.txt", "mimeType": "text/plain", "buffer": b"guiding 0.6 arcsec"},
        ]
    )
    ui.act(page.get_by_role("button", name="Send"))
    files = page.get_by_role("list", name="Files sent with this message")
    expect(files.get_by_role("img", name="orion.png")).to_be_visible()
    expect(files.get_by_role("link", name="log.txt")).to_be_visible()
    assert Message.objects.get().attachments.count() == 2
