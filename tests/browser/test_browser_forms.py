"""Forms and destructive actions in a real browser (issue 12): a refused reply shows its error beside the
field with the text kept, on a phone, never a bare fragment or "Something went wrong"; deleting asks in
a native dialog and offers an undo for a few seconds; revoking an invitation (htmx) asks too. Every
page and dialog is audited by axe-core (conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_steps import log_in
from playwright.sync_api import expect

import factories as testing
from townhall.community.models import Invitation, Membership
from townhall.discussions import actions
from townhall.discussions.models import BODY_MAX, Post, Topic
from townhall.policy import Guardian
from townhall.spaces.models import Space

pytestmark = pytest.mark.browser

WHITESPACE = "   \n\n   \t  "
OVERSIZED = "Seeing was steady all night. " * 1200  # 34,800 characters


@pytest.fixture
def topic(db: None, settings: Any) -> Topic:
    settings.DISCUSSIONS_POST_RATE = settings.DISCUSSIONS_WRITE_RATE = "1000/m"
    testing.make_community()
    member = testing.make_member("max", display_name="Max Member")
    ada = testing.make_member("ada", display_name="Ada Lovelace")
    testing.make_member("mona", role=Membership.MODERATOR, display_name="Mona Moderator")
    space = testing.make_space("Gear talk", visibility=Space.MEMBERS, members=[member, ada])
    topic = actions.create_topic(Guardian(ada), space, title="Dew heaters that last", body="Which ones?")
    first = actions.create_post(Guardian(member), topic, body="A 5 W strap works for me.")
    actions.create_post(Guardian(ada), topic, body="Which brand?", reply_to=first)
    return topic


def _no_generic_error(page: Any) -> None:
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Dew heaters that last"
    )  # the page is still there


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_refused_reply_shows_its_error_beside_the_field_on_a_phone(
    new_ui: Any, topic: Topic, scheme: str
) -> None:
    ui = new_ui(phone=True, color_scheme=scheme)
    log_in(ui, "max")
    ui.goto(topic.get_absolute_url())
    page = ui.page
    expect(page.locator("#post-" + str(topic.posts.get(position=3).pk))).to_contain_text(
        "In reply to Max Member"
    )
    box = page.get_by_label("Your reply")
    for sent, error in [
        (WHITESPACE, "Write something first."),
        (OVERSIZED, f"Keep posts under {BODY_MAX:,} characters"),
    ]:
        box = page.get_by_label("Your reply")
        box.fill(sent)
        ui.act(page.get_by_role("button", name="Post reply"))
        form = page.locator("#reply-form")
        message = form.get_by_role("alert").filter(has_text=error)
        expect(message).to_be_visible()
        box = page.get_by_label("Your reply")
        expect(box).to_have_attribute("aria-invalid", "true")
        assert box.input_value() == sent  # the text is kept, exactly as typed
        # beside the field: right under the text box, inside the same form row
        under = page.evaluate(
            """() => { const area = document.getElementById("id_body").getBoundingClientRect();
                       const err = document.getElementById("id_body_error").getBoundingClientRect();
                       return err.top >= area.bottom - 1 && err.top - area.bottom < 40; }"""
        )
        assert under
        _no_generic_error(page)
        expect(box).to_be_focused()
    assert Post.objects.filter(topic=topic).count() == 3
    # and a good reply still goes through, into the thread, with a fresh box
    page.get_by_label("Your reply").fill("Mine came from the club's shop.")
    ui.act(page.get_by_role("button", name="Post reply"))
    expect(page.locator("#posts")).to_contain_text("Mine came from the club's shop.")
    expect(page.get_by_label("Your reply")).to_have_value("")
    expect(page.locator("#reply-form .errorlist")).to_have_count(0)


def test_deleting_asks_in_a_dialog_and_can_be_undone(new_ui: Any, topic: Topic) -> None:
    ui = new_ui(phone=True)
    page = ui.page
    page.clock.install()
    log_in(ui, "max")
    mine = topic.posts.get(position=2)
    ui.goto(topic.get_absolute_url())
    post = page.locator(f"#post-{mine.pk}")
    post.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete this post?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    ui.audit()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert Post.objects.get(pk=mine.pk).deleted_at is None

    post.get_by_role("button", name="Delete").click()
    ui.navigate(lambda: dialog.get_by_role("button", name="Delete post").click())
    assert Post.objects.get(pk=mine.pk).deleted_at is not None
    notice = page.get_by_role("status").filter(has_text="Post deleted.")
    expect(notice).to_be_visible()
    expect(post).to_contain_text("This post was deleted.")
    undo = notice.get_by_role("button", name="Undo")
    ui.navigate(undo.click)
    expect(page.get_by_text("The post is back.")).to_be_visible()
    expect(page.locator(f"#post-{mine.pk}")).to_contain_text("A 5 W strap works for me.")
    assert Post.objects.get(pk=mine.pk).deleted_at is None

    # the offer lasts a few seconds on the page (the rule's own window is longer)
    page.locator(f"#post-{mine.pk}").get_by_role("button", name="Delete").click()
    ui.navigate(lambda: page.get_by_role("dialog").get_by_role("button", name="Delete post").click())
    expect(notice.get_by_role("button", name="Undo")).to_be_visible()
    page.mouse.move(0, 0)
    page.clock.run_for(9_000)
    expect(notice.get_by_role("button", name="Undo")).to_have_count(0)
    expect(notice).to_be_visible()
    ui.audit()


def test_a_moderator_hides_a_topic_after_a_dialog_and_undoes_it(new_ui: Any, topic: Topic) -> None:
    ui = new_ui(color_scheme="dark")
    log_in(ui, "mona")
    ui.goto(topic.get_absolute_url())
    page = ui.page
    page.get_by_role("button", name="Hide topic").click()
    dialog = page.get_by_role("dialog", name="Hide “Dew heaters that last”?")
    expect(dialog).to_contain_text("You can undo it for a few seconds afterwards.")
    ui.audit()
    ui.navigate(lambda: dialog.get_by_role("button", name="Hide topic").click())
    assert Topic.objects.get(pk=topic.pk).hidden
    ui.navigate(page.get_by_role("status").get_by_role("button", name="Undo").click)
    assert not Topic.objects.get(pk=topic.pk).hidden
    expect(page.get_by_text("Restored.")).to_be_visible()


def test_revoking_an_invitation_in_page_asks_first(new_ui: Any, topic: Topic) -> None:
    mona = Membership.objects.get(user__username="mona").user
    invitation = Invitation.objects.create(created_by=mona, token="r" * 32, email="friend@example.org")
    ui = new_ui()
    log_in(ui, "mona")
    ui.goto("/settings/community/invitations/")
    page = ui.page
    row = page.locator(f"#invitation-{invitation.pk}")
    row.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog", name="Revoke this invitation?")
    expect(dialog).to_be_visible()
    ui.audit()
    ui.act(dialog.get_by_role("button", name="Revoke invitation"))
    expect(page.locator(f"#invitation-{invitation.pk}")).to_contain_text("Revoked")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert re.search(r"/settings/community/invitations/$", ui.path)
