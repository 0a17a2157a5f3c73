"""What a new person notices in the first minutes (issue 12): the theme selector, phone widths, the live
notice under the top bar, the API docs. Every page is audited by axe-core and checked for sideways
overflow by the harness (conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.discussions import actions
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    community = testing.make_community(landing_public=True)
    member = testing.make_member("max", display_name="Max Member")
    return {"community": community, "member": member}


LONG_URL = "https://example.org/observatories/" + "/".join(f"segment-{i}-with-more-words" for i in range(12))
WIDE_POST = f"""Stacking script that works for me:

```python
frames = [align(frame, reference=master_dark, method="phase-correlation", upsample=4) for frame in load_all_frames("/data/2026-11-21/m31/")]
```

The full write-up is at {LONG_URL} and the raw log at <{LONG_URL}?raw=1>.

| frame | exposure | gain | offset | temperature | filter | moon | seeing | transparency | notes |
|---|---|---|---|---|---|---|---|---|---|
| 1 | 300 s | 120 | 30 | -10 C | L-eXtreme | 12 % | 2.1 arcsec | good | first light of the night |

Pneumonoultramicroscopicsilicovolcanoconiosis{"x" * 120}
"""


@pytest.fixture
def wide_topic(world: dict[str, Any]) -> Any:
    space = testing.make_space("Processing", visibility=Space.PUBLIC, members=[world["member"]])
    return actions.create_topic(
        Guardian(world["member"]), space, title="My stacking pipeline, code and all", body=WIDE_POST
    )


def _fits(ui: Any, selector: str) -> bool:
    """Every element matching `selector` keeps its content inside its own box (it may scroll inside it)."""
    return bool(
        ui.page.evaluate(
            """sel => [...document.querySelectorAll(sel)].every(el => {
                   const box = el.getBoundingClientRect(), main = document.querySelector("main").getBoundingClientRect();
                   return box.right <= main.right + 1; })""",
            selector,
        )
    )


def test_a_phone_journey_through_home_a_wide_topic_and_settings(new_ui: Any, wide_topic: Any) -> None:
    """At 390 px nothing makes the page scroll sideways (the harness checks every page): code and the
    table scroll inside their own boxes, long links and words wrap."""
    ui = new_ui(phone=True)
    log_in(ui, "max")
    assert ui.path == "/home/"
    ui.goto(wide_topic.get_absolute_url())
    page = ui.page
    expect(page.get_by_role("heading", level=1)).to_have_text("My stacking pipeline, code and all")
    code = page.locator(".prose pre").first
    table = page.locator(".prose .table-scroll").first
    # Wider than the screen, so they scroll inside their own boxes (and a keyboard can reach them).
    assert code.evaluate("el => el.scrollWidth > el.clientWidth")
    assert _fits(ui, ".prose pre") and _fits(ui, ".prose .table-scroll") and _fits(ui, ".prose p")
    assert table.evaluate("el => el.scrollWidth > el.clientWidth")
    expect(page.get_by_role("link", name=LONG_URL).first).to_be_visible()
    ui.goto("/settings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    ui.goto("/settings/profile/")
    ui.goto("/settings/tokens/")


def test_long_words_and_links_stay_inside_the_post_on_a_desktop(new_ui: Any, wide_topic: Any) -> None:
    ui = new_ui(color_scheme="dark")
    ui.goto(wide_topic.get_absolute_url())
    assert _fits(ui, ".prose p") and _fits(ui, ".prose pre") and _fits(ui, ".prose .table-scroll")
    assert ui.page.locator(".prose p").last.evaluate("el => el.scrollWidth <= el.clientWidth")


def _filled(button: Any) -> bool:
    """True when the button is drawn filled (the primary look), False when outlined."""
    return bool(
        button.evaluate(
            """el => { const bg = getComputedStyle(el).backgroundColor;
                       return bg !== "rgba(0, 0, 0, 0)" && bg !== "transparent"; }"""
        )
    )


def test_the_theme_selector_shows_the_theme_in_force_as_selected(ui: Any, world: dict[str, Any]) -> None:
    log_in(ui, "max")
    ui.goto("/settings/")
    theme = ui.page.get_by_role("group", name="Theme")
    buttons = {name: theme.get_by_role("button", name=name) for name in ("System", "Light", "Dark")}
    expect(buttons["System"]).to_have_attribute("aria-pressed", "true")
    assert _filled(buttons["System"]) and not _filled(buttons["Dark"]) and not _filled(buttons["Light"])

    ui.click(buttons["Dark"])
    expect(ui.page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(buttons["Dark"]).to_have_attribute("aria-pressed", "true")
    expect(buttons["System"]).to_have_attribute("aria-pressed", "false")
    assert _filled(buttons["Dark"]) and not _filled(buttons["System"])

    # The top bar's switch moves on to the next theme; the selector follows without a reload.
    ui.page.get_by_role("button", name="Switch theme").click()
    expect(ui.page.locator("html")).to_have_attribute("data-theme", "light")
    expect(buttons["Light"]).to_have_attribute("aria-pressed", "true")
    assert _filled(buttons["Light"]) and not _filled(buttons["Dark"])
    ui.audit()


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(ui: Any, world: dict[str, Any]) -> None:
    requested: list[str] = []
    ui.page.on("request", lambda request: requested.append(request.url))
    ui.goto("/api/v1/docs")
    main = ui.page.get_by_role("main")
    expect(main.get_by_role("heading", name=re.compile("Townhall API"))).to_be_visible()
    # The operations are listed (each one a block with its method and path).
    expect(ui.page.locator(".opblock").first).to_be_visible()
    assert ui.page.locator(".opblock").count() > 20
    expect(main.get_by_text("/api/v1/me/tokens").first).to_be_visible()
    assert all(url.startswith(ui.base_url) for url in requested), [
        u for u in requested if not u.startswith(ui.base_url)
    ]
    ui.audit()


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_the_new_replies_notice_shows_below_the_top_bar_after_scrolling(
    new_ui: Any, world: dict[str, Any], settings: Any, phone: bool
) -> None:
    settings.DISCUSSIONS_POST_RATE = settings.DISCUSSIONS_WRITE_RATE = "1000/m"
    other = testing.make_member("lena", display_name="Lena Long")
    space = testing.make_space("Deep sky", visibility=Space.PUBLIC, members=[world["member"], other])
    topic = actions.create_topic(Guardian(other), space, title="Long night", body="First light.")
    for n in range(25):
        actions.create_post(
            Guardian(other), topic, body=f"Frame {n}: " + "clear skies and steady seeing. " * 6
        )
    ui = new_ui(phone=phone)
    log_in(ui, "max")
    ui.goto(topic.get_absolute_url())
    page = ui.page
    page.mouse.wheel(0, 4000)
    page.wait_for_function("() => window.scrollY > 1500")
    # Someone replies: the stream announces it (what townhall.js does with a WebSocket message).
    page.evaluate(
        """id => document.dispatchEvent(new CustomEvent("townhall:broadcast", {detail:
               {type: "topic", op: "post_created", topic_id: id, post_id: 999999}}))""",
        topic.pk,
    )
    notice = page.get_by_role("link", name="1 new reply — go to newest")  # page 1 of 2: not added here
    expect(notice).to_be_visible()
    header = page.locator(".topbar").bounding_box()
    box = page.locator("#topic-live").bounding_box()
    assert header is not None and box is not None
    assert box["y"] >= header["y"] + header["height"], (box, header)  # below the bar, not under it
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    # Audit the notice where it sits in the page: mid-scroll, any sticky bar (the top bar too) partly
    # covers whatever passes under it, which axe's target-size rule counts against that target.
    page.evaluate("() => window.scrollTo(0, 0)")
    ui.audit()
