"""The import journey in a real browser, axe-core on every page: the owner uploads a zip (a small test
source's format, with a photo), previews it, imports it with a live progress bar, finds the history
with its photo in the chat space, makes a claim link, and a member who opens it owns their old
messages. With TOWNHALL_SHOTS=<dir>, every page is also photographed at 390 and 1280 px, light and dark."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.chat.models import Message
from townhall.importers import actions, tasks
from townhall.importers.models import ImportRun, Placeholder
from townhall.importers.registry import register_source, sources
from townhall.spaces.models import Space

sys.path.insert(0, str(Path(__file__).parent.parent / "importers"))
from toysource import ToySource, history, png, zipped

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("TOWNHALL_SHOTS", "")


@pytest.fixture(autouse=True)
def _toy_source() -> Iterator[None]:
    register_source(ToySource())
    yield
    sources.unregister("toychat")


def shoot(ui: Any, name: str) -> None:
    if not SHOTS:
        return
    page = ui.page
    size = page.viewport_size
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/{name}-{width}-{scheme}.png", full_page=True)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)


def test_import_a_chat_and_claim_a_history(
    new_ui: Any, db: None, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DATA_DIR = tmp_path / "data"
    testing.make_community()
    owner = testing.make_member("olivia", role="owner", display_name="Olivia Owner")
    nina = testing.make_member("nina", display_name="Nina Newcomer")
    garden = testing.make_space(
        "Garden archive", kind="chat", visibility=Space.MEMBERS, members=[owner, nina]
    )
    export = tmp_path / "garden.zip"
    export.write_bytes(zipped(history(), {"media/plan.png": png()}))
    queued: list[int] = []  # the worker is this test: the page shows the progress until it runs
    monkeypatch.setattr(tasks, "run_import_task", type("Later", (), {"enqueue": staticmethod(queued.append)}))

    ui = new_ui()
    log_in(ui, "olivia")
    ui.goto("/settings/community/")
    ui.click(
        ui.page.get_by_role("navigation", name="Community settings").get_by_role(
            "link", name="Import history"
        )
    )
    shoot(ui, "upload")
    page = ui.page
    page.get_by_label("Where the export comes from").select_option("toychat")
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_label("Import into the chat space").select_option(label="Garden archive")
    page.get_by_label("Time zone of the export").select_option("Europe/Madrid")
    ui.click(page.get_by_role("button", name="Upload and preview"))
    expect(page.get_by_role("heading", name="First messages")).to_be_visible()
    expect(page.get_by_text("Welcome to the *garden* group!")).to_be_visible()
    expect(page.get_by_text("Ana Pérez").first).to_be_visible()
    expect(page.get_by_text("Line 15: Not a JSON record.")).to_be_visible()
    shoot(ui, "preview")
    ui.click(page.get_by_role("button", name="Import everything"))
    progress = page.get_by_role("progressbar")
    expect(progress).to_be_visible()
    shoot(ui, "progress")
    assert Message.objects.count() == 0
    actions.run_import(queued[0])  # the worker runs it; the page's poll sees the end and reloads
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=15_000)
    ui.audit()
    expect(page.get_by_role("heading", name="System events")).to_be_visible()
    expect(page.get_by_text("Chen left")).to_be_visible()
    shoot(ui, "report")
    assert ImportRun.objects.get().state == ImportRun.DONE

    ui.goto(f"/s/{garden.slug}/")
    expect(page.get_by_text("Welcome to the garden group!")).to_be_visible()
    expect(page.get_by_role("img", name="plan.png")).to_be_visible()
    shoot(ui, "chat")

    ui.goto("/settings/community/imports/people/")
    shoot(ui, "people")
    ui.click(page.get_by_role("button", name="Make a claim link for Ana Pérez"))
    link = page.get_by_role("textbox", name="Claim link", exact=True).input_value()
    path = re.sub(r"^https?://[^/]+", "", link)
    shoot(ui, "people-link")
    ana = Placeholder.objects.get(source_id="ana")
    ui.goto(f"/u/{ana.user.username}/")
    expect(page.get_by_text("Imported").first).to_be_visible()
    shoot(ui, "placeholder-profile")

    newcomer = new_ui(color_scheme="dark", phone=True, label="claimer")
    log_in(newcomer, "nina")
    newcomer.goto(path)
    expect(newcomer.page.get_by_text("Ana Pérez wrote 3 messages there")).to_be_visible()
    shoot(newcomer, "claim")
    newcomer.click(newcomer.page.get_by_role("button", name="These are my messages"))
    expect(newcomer.page.get_by_text("The messages Ana Pérez wrote are now yours.")).to_be_visible()
    assert Message.objects.filter(author=nina).count() == 3
    newcomer.goto(f"/s/{garden.slug}/")
    expect(newcomer.page.get_by_role("main").get_by_text("Nina Newcomer").first).to_be_visible()
    shoot(newcomer, "chat-claimed")


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 40, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_whatsapp_zip_from_the_phone_with_its_photo_comes_home_and_is_claimed(
    new_ui: Any, db: None, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    settings.DATA_DIR = tmp_path / "data"
    testing.make_community()
    owner = testing.make_member("olivia", role="owner", display_name="Olivia Owner")
    nina = testing.make_member("nina", display_name="Nina Newcomer")
    garden = testing.make_space("Garden chat", kind="chat", visibility=Space.MEMBERS, members=[owner, nina])
    export = tmp_path / "WhatsApp Chat with Garden.zip"
    with zipfile.ZipFile(export, "w") as archive:  # what Android's "Export chat → Include media" makes
        archive.writestr(
            "WhatsApp Chat with Garden.txt",
            '12/9/20, 23:16 - Ana Pérez created group "Garden"\n'
            "12/9/20, 23:55 - Ana Pérez: Welcome to the garden group!\n"
            "12/9/20, 23:56 - Ana Pérez: IMG-20201209-WA0001.jpg (file attached)\n"
            "12/9/20, 23:57 - Ben Okafor: Lovely plan\n"
            "for the raised beds\n",
        )
        archive.writestr("IMG-20201209-WA0001.jpg", _jpeg())
    queued: list[int] = []
    monkeypatch.setattr(tasks, "run_import_task", type("Later", (), {"enqueue": staticmethod(queued.append)}))

    ui = new_ui()
    log_in(ui, "olivia")
    ui.goto("/settings/community/imports/")
    page = ui.page
    page.get_by_label("Where the export comes from").select_option("whatsapp")
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_label("Import into the chat space").select_option(label="Garden chat")
    page.get_by_label("Time zone of the export").select_option("Europe/Madrid")
    ui.click(page.get_by_role("button", name="Upload and preview"))
    expect(page.get_by_role("heading", name="First messages")).to_be_visible()
    expect(page.get_by_text("Welcome to the garden group!")).to_be_visible()
    ui.click(page.get_by_role("button", name="Import everything"))
    expect(page.get_by_role("progressbar")).to_be_visible()
    actions.run_import(queued[0])
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=15_000)
    ui.audit()
    assert ImportRun.objects.get().state == ImportRun.DONE

    ui.goto(f"/s/{garden.slug}/")
    expect(page.get_by_text("Welcome to the garden group!")).to_be_visible()
    expect(page.get_by_text("for the raised beds")).to_be_visible()  # a message over two lines
    expect(page.get_by_role("img", name="IMG-20201209-WA0001.jpg")).to_be_visible()

    ui.goto("/settings/community/imports/people/")
    ui.click(page.get_by_role("button", name="Make a claim link for Ana Pérez"))
    path = re.sub(
        r"^https?://[^/]+", "", page.get_by_role("textbox", name="Claim link", exact=True).input_value()
    )
    newcomer = new_ui(color_scheme="dark", phone=True, label="claimer")
    log_in(newcomer, "nina")
    newcomer.goto(path)
    newcomer.click(newcomer.page.get_by_role("button", name="These are my messages"))
    expect(newcomer.page.get_by_text("The messages Ana Pérez wrote are now yours.")).to_be_visible()
    assert Message.objects.filter(author=nina, space=garden).count() == 2
