"""Discussions in a real browser with axe-core on every page: a question answered in a nested thread
with an image and a mention, the answer accepted, found by search and read in both views; a visitor reads a public topic and its feed
but nothing of a private space."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from browser_steps import log_in
from PIL import Image
from playwright.sync_api import expect

import factories as testing
from townhall.discussions import actions
from townhall.discussions.models import Post, Topic, Upload
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser


def assert_image_shown(image: Any, src: str) -> None:
    """The reply's image is in the page and the browser really loaded it."""
    expect(image).to_have_attribute("src", src)
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    image.page.wait_for_function("el => el.complete", arg=image.element_handle())
    assert image.page.evaluate("el => el.naturalWidth", image.element_handle()) == 240  # > 0: it loaded


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_question_answered_accepted_found_and_read(
    new_ui: Any, db: None, scheme: str, tmp_path: Path, settings: Any
) -> None:
    settings.DISCUSSIONS_UPLOAD_ROOT = str(tmp_path / "uploads")
    testing.make_community()
    asker = testing.make_member("max", display_name="Max Member")
    helper = testing.make_member("lea", display_name="Lea Learner")
    reader = testing.make_member("rui", display_name="Rui Reader")
    testing.make_space("Gear talk", members=[asker, helper, reader])

    ui = new_ui(color_scheme=scheme)
    log_in(ui, "max")
    ui.goto("/s/gear-talk/topics/")
    ui.click(ui.page.get_by_role("link", name="New topic"))
    page = ui.page
    page.get_by_label("Title").fill("Which dew heater for a 200mm lens?")
    page.get_by_label("Type").select_option("question")
    page.get_by_label("Body").fill("Mine fogs up after an hour.")
    page.get_by_label("Tags").fill("dew, lenses")
    ui.click(page.get_by_role("button", name="Post topic"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Which dew heater for a 200mm lens?")
    topic = Topic.objects.get()

    helper_ui = new_ui(color_scheme=scheme, label="helper")
    log_in(helper_ui, "lea")
    helper_ui.goto(topic.get_absolute_url())
    helper_ui.page.get_by_label("Your reply").fill("A strap heater at 5W works; ask @max about power.")
    helper_ui.act(helper_ui.page.get_by_role("button", name="Post reply"))
    expect(helper_ui.page.get_by_text("A strap heater at 5W works")).to_be_visible()
    first = Post.objects.get(topic=topic, position=2)
    actions.create_post(Guardian(asker), topic, body="Which strap brand?", reply_to=first)
    nested = Post.objects.get(topic=topic, position=3)
    helper_ui.goto(topic.get_absolute_url() + "?view=thread")
    helper_ui.act(helper_ui.page.locator(f"#post-{nested.pk}").get_by_role("link", name="Reply", exact=True))
    inline = helper_ui.page.locator("form.reply-inline")
    inline.get_by_label("Reply to Max Member").fill("Any USB strap rated for your lens; @max, mine is below.")
    photo = tmp_path / "usb-strap.png"
    Image.new("RGB", (240, 160), "darkorange").save(photo, format="PNG")
    inline.get_by_label("Attach an image or file").set_input_files(photo)
    helper_ui.act(inline.get_by_role("button", name="Post reply"))
    # The page after the post (a slow server may still be answering when act() returns).
    expect(helper_ui.page.locator('[id^="post-"] img[alt="usb-strap.png"]')).to_be_visible()
    answer = Post.objects.get(topic=topic, position=4)
    assert answer.reply_to_id == nested.pk
    upload = Upload.objects.get(post=answer)
    assert answer.body.endswith(f"![usb-strap.png]({upload.get_absolute_url()})")
    expect(helper_ui.page.locator(f"#post-{answer.pk} img")).to_have_attribute("alt", "usb-strap.png")
    expect(helper_ui.page.locator(f"#post-{answer.pk} a.mention")).to_have_text("@max")

    ui.goto(topic.get_absolute_url())
    ui.click(ui.page.locator(f"#post-{first.pk}").get_by_role("button", name="Accept as answer"))
    expect(ui.page.get_by_role("heading", name="Accepted answer")).to_be_visible()

    third = new_ui(color_scheme=scheme, phone=True, label="reader")
    log_in(third, "rui")
    third.goto("/search/?q=strap+heater")
    expect(third.page.locator(".search-hit").first).to_contain_text("strap")
    third.click(third.page.locator(".search-hit a.topic-title").first)
    expect(third.page.get_by_role("heading", level=1)).to_have_text("Which dew heater for a 200mm lens?")
    third.click(third.page.get_by_role("link", name="Threaded"))
    expect(third.page.locator("ul.thread details").first).to_be_visible()
    assert_image_shown(third.page.locator(f"#post-{answer.pk} img"), upload.get_absolute_url())
    third.click(third.page.get_by_role("link", name="Flat"))
    assert_image_shown(third.page.locator(f"#post-{answer.pk} img"), upload.get_absolute_url())
    picker = third.page.locator(f"#post-{first.pk} .react-picker")
    picker.locator("summary").click()
    expect(picker.get_by_role("button", name="Celebrate")).to_be_visible()
    third.audit()
    third.act(picker.get_by_role("button", name="Celebrate"))
    expect(third.page.locator(f"#reactions-{first.pk}")).to_contain_text("Rui Reader")
    for path in ["/latest/", "/unread/", "/top/", f"/p/{first.pk}/revisions/"]:
        third.goto(path)


def test_visitor_reads_public_topic_and_feed_but_nothing_private(new_ui: Any, db: None) -> None:
    testing.make_community()
    author = testing.make_member("max", display_name="Max Member")
    public = testing.make_space("Open sky", visibility=Space.PUBLIC, members=[author])
    private = testing.make_space("Inner circle", visibility=Space.PRIVATE, members=[author])
    shown = actions.create_topic(Guardian(author), public, title="Best comet photos", body="Share them here")
    hidden = actions.create_topic(Guardian(author), private, title="Secret comet plans", body="Inner only")

    visitor = new_ui()
    visitor.goto("/latest/")
    expect(visitor.page.get_by_role("link", name="Best comet photos")).to_be_visible()
    assert "Secret comet" not in visitor.page.content()
    visitor.goto(shown.get_absolute_url())
    expect(visitor.page.get_by_role("link", name="Log in")).to_have_count(2)
    visitor.goto("/search/?q=comet")
    assert "Secret comet" not in visitor.page.content()
    visitor.goto(hidden.get_absolute_url(), expect_status=404)
    feed = visitor.page.request.get(visitor.url(f"/s/{public.slug}/feed/"))
    assert feed.ok and "Best comet photos" in feed.text()
    assert visitor.page.request.get(visitor.url(f"/s/{private.slug}/feed/")).status == 404
    assert re.search("Secret comet", visitor.page.request.get(visitor.url("/sitemap.xml")).text()) is None


def _announce(page: Any, topic: Topic, op: str, post_id: int | None = None) -> None:
    """What townhall.js does with a frame from the member's stream (tests/realtime checks what the stream
    sends whom): the live server here speaks WSGI only, so the frame is handed to the page directly."""
    detail: dict[str, Any] = {"type": "topic", "op": op, "topic_id": topic.pk}
    if post_id is not None:
        detail["post_id"] = post_id
    page.evaluate("d => document.dispatchEvent(new CustomEvent('townhall:broadcast', {detail: d}))", detail)


def test_a_reader_is_told_of_new_replies_and_changes(new_ui: Any, db: None) -> None:
    testing.make_community()
    reader = testing.make_member("rui", display_name="Rui Reader")
    writer = testing.make_member("lea", display_name="Lea Learner")
    space = testing.make_space("Gear talk", members=[writer, reader])
    topic = actions.create_topic(
        Guardian(writer), space, title="Dew shields that fold flat", body="Any tips?"
    )
    other = actions.create_topic(Guardian(writer), space, title="Another topic", body="Elsewhere.")

    ui = new_ui()
    log_in(ui, "rui")
    ui.goto(topic.get_absolute_url())
    page = ui.page
    live = page.locator("#topic-live")
    _announce(page, topic, "post_created", topic.posts.get(position=1).pk)  # already on the page: no news
    _announce(page, other, "post_edited")  # another topic: not this page's business
    page.wait_for_timeout(1500)
    expect(live).to_be_empty()

    # On the last page, a new reply is fetched as this reader may see it and added in place, once.
    first = actions.create_post(Guardian(writer), topic, body="Mine rolls up into a tube.")
    _announce(page, topic, "post_created", first.pk)
    _announce(page, topic, "post_created", first.pk)  # twice (a retry): added once
    expect(page.locator(f"#post-{first.pk}")).to_contain_text("Mine rolls up into a tube.")
    second = actions.create_post(Guardian(writer), topic, body="A camping mat works too.")
    _announce(page, topic, "post_created", second.pk)
    expect(page.locator(f"#post-{second.pk}")).to_contain_text("A camping mat works too.")
    ids = page.locator("#posts > article").evaluate_all("els => els.map(e => e.id)")
    assert ids[-2:] == [f"post-{first.pk}", f"post-{second.pk}"] and len(ids) == len(set(ids))
    expect(live).to_be_empty()
    # An edit replaces the post where it is.
    actions.edit_post(Guardian(writer), first, body="Mine rolls up into a tube, with velcro.")
    _announce(page, topic, "post_edited", first.pk)
    expect(page.locator(f"#post-{first.pk}")).to_contain_text("with velcro")
    expect(page.locator(f"#post-{first.pk}")).to_have_count(1)
    ui.audit()

    _announce(page, topic, "answer_accepted", first.pk)
    updated = page.locator("#topic-live").get_by_role("link", name=re.compile("This topic was updated"))
    expect(updated).to_be_visible()
    ui.click(updated)
    ui.assert_clean()
