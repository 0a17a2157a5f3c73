"""Reply by email: real mail clients' messages (multipart, quoted-printable, base64, encoded headers,
HTML only, Outlook and Gmail quotes, signatures) become clean Markdown posted as the member; forged,
stale or no-longer-permitted addresses and bad messages are refused with a log line and post nothing."""

from __future__ import annotations

import logging
import time
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

import pytest
from click.testing import CliRunner
from notify_email_testing import REPLY_DOMAIN, notify, reply_kind  # noqa: F401

import factories as testing
from townhall import cli
from townhall.chat import actions as chat_actions
from townhall.chat.models import Message
from townhall.discussions import actions as discussion_actions
from townhall.discussions.models import Post, Topic
from townhall.notifications.email import inbound, tokens
from townhall.policy import Guardian
from townhall.spaces.models import Space, SpaceMembership

pytestmark = pytest.mark.usefixtures("reply_kind")

GMAIL_QUOTE = (
    "\n\nOn Tue, 1 Dec 2026 at 21:04, Night Sky Collective <noreply@nightsky.example> wrote:\n"
    "> Ana Astro replied to Which lens for the Milky Way?\n>\n> Try a 14mm f/2.8.\n"
)


@pytest.fixture(autouse=True)
def _setup(settings: Any) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = REPLY_DOMAIN
    settings.DISCUSSIONS_POST_RATE = "10000/m"
    settings.DISCUSSIONS_TOPIC_RATE = "10000/m"
    settings.DISCUSSIONS_WRITE_RATE = "10000/m"


@pytest.fixture
def ana(community: Any) -> Any:
    return testing.make_member("ana", display_name="Ana Astro")


@pytest.fixture
def space(member: Any, ana: Any) -> Space:
    return testing.make_space("Gear talk", visibility=Space.PRIVATE, members=[member, ana])


@pytest.fixture
def topic(space: Space, ana: Any) -> Topic:
    return discussion_actions.create_topic(
        Guardian(ana), space, title="Which lens for the Milky Way?", body="I want a wide, fast lens. Ideas?"
    )


@pytest.fixture
def address(member: Any, ana: Any, topic: Topic, space: Space) -> str:
    """The Reply-To of the email `member` got about ana's topic."""
    opening = topic.posts.get(position=1)
    notification = notify(
        member, actor=ana, space=space, thread_key=f"topic:{topic.pk}", target=f"post:{opening.pk}"
    )
    found = tokens.reply_address(notification_id=notification.pk, recipient_id=member.pk)
    assert found is not None
    return found


def mail(
    to: str,
    *,
    subject: str = "Re: Which lens for the Milky Way?",
    sender: str = "Max Member <max@example.org>",
    msgid: str = "<m1@mail.example.org>",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = msgid
    message["Date"] = "Tue, 01 Dec 2026 21:30:00 +0000"
    return message


def replies(topic: Topic) -> list[str]:
    return list(
        Post.objects.filter(topic=topic, position__gt=1).order_by("position").values_list("body", flat=True)
    )


def test_a_gmail_reply_in_quoted_printable_is_posted_without_the_quote(
    address: str, topic: Topic, member: Any
) -> None:
    message = mail(address)
    message.set_content(
        "Great idea — I\u2019ll try the 14mm tonight and report back." + GMAIL_QUOTE, cte="quoted-printable"
    )
    message.add_alternative(
        "<div dir='ltr'>Great idea — I\u2019ll try the 14mm tonight and report back.</div>"
        "<div class='gmail_quote'>On Tue … wrote:<blockquote>Try a 14mm</blockquote></div>",
        subtype="html",
    )
    assert b"quoted-printable" in message.as_bytes()
    outcome = inbound.receive(message.as_bytes())
    assert outcome.code == inbound.EX_OK, outcome.message
    assert replies(topic) == ["Great idea — I\u2019ll try the 14mm tonight and report back."]
    post = Post.objects.get(topic=topic, position=2)
    assert post.author == member
    assert post.reply_to is None  # an answer to the opening post is an answer to the topic


def test_base64_with_encoded_headers_and_a_german_quote(address: str, topic: Topic) -> None:
    message = mail(
        address,
        subject="Re: Welches Objektiv für die Milchstraße?",
        sender=formataddr(("Jürgen Müller", "max@example.org")),
    )
    message.set_content(
        "Danke! Ich probiere das Samyang 14 mm aus.\n\n"
        "Am Di., 1. Dez. 2026 um 21:04 Uhr schrieb Night Sky Collective <noreply@nightsky.example>:\n"
        "> Ana Astro replied to Which lens for the Milky Way?\n",
        cte="base64",
    )
    raw = message.as_bytes()
    assert b"=?utf-8?" in raw and b"base64" in raw
    assert inbound.receive(raw).code == inbound.EX_OK
    assert replies(topic) == ["Danke! Ich probiere das Samyang 14 mm aus."]


def test_html_only_mail_becomes_markdown(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content(
        "<html><head><style>p{color:red}</style></head><body><div dir='ltr'>"
        "<p>I focus <b>manually</b> on a <a href='https://example.org/vega'>bright star</a>:</p>"
        "<ul><li>live view</li><li>10\u00d7 zoom</li></ul></div>"
        "<div class='gmail_quote'><div>On Tue, 1 Dec 2026 Night Sky Collective wrote:</div>"
        "<blockquote>Try a 14mm f/2.8.</blockquote></div></body></html>",
        subtype="html",
    )
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    [body] = replies(topic)
    assert (
        body
        == "I focus **manually** on a [bright star](https://example.org/vega):\n\n- live view\n- 10\u00d7 zoom"
    )


def test_an_outlook_reply_loses_the_original_message_block(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content(
        "Sounds good to me, count me in.\n\n"
        "________________________________\n"
        "From: Night Sky Collective <noreply@nightsky.example>\n"
        "Sent: Tuesday, December 1, 2026 9:04 PM\n"
        "To: Max Member <max@example.org>\n"
        "Subject: Ana Astro replied to Which lens for the Milky Way?\n\n"
        "Try a 14mm f/2.8.\n"
    )
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert replies(topic) == ["Sounds good to me, count me in."]


def test_a_signature_after_dash_dash_space_is_stripped(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content("See you at the star party on Saturday.\n\n-- \nMax\nAmateur astronomer, Bortle 4\n")
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert replies(topic) == ["See you at the star party on Saturday."]


def test_a_phone_signature_is_stripped(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content("Yes, the 14mm.\n\nSent from my iPhone" + GMAIL_QUOTE)
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert replies(topic) == ["Yes, the 14mm."]


def test_the_same_message_delivered_twice_is_posted_once(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content("Only once, please.")
    first = inbound.receive(message.as_bytes())
    second = inbound.receive(message.as_bytes())
    assert first.code == second.code == inbound.EX_OK
    assert "delivered again" in second.message
    assert replies(topic) == ["Only once, please."]


def test_two_different_replies_to_one_email_are_both_posted(address: str, topic: Topic) -> None:
    for n, text in enumerate(["First thought.", "Second thought."]):
        message = mail(address, msgid=f"<m{n}@mail.example.org>")
        message.set_content(text)
        assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert replies(topic) == ["First thought.", "Second thought."]


# --- refused ---------------------------------------------------------------------------------------------


def test_a_huge_message_is_refused_before_parsing(
    settings: Any, address: str, topic: Topic, caplog: Any
) -> None:
    settings.TOWNHALL_INBOUND_MAX_BYTES = 50_000
    message = mail(address)
    message.set_content("stars " * 20_000)
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.inbound"):
        outcome = inbound.receive(message.as_bytes())
    assert outcome.code == inbound.EX_DATAERR
    assert "over the limit of 50000" in caplog.text
    assert replies(topic) == []


def test_a_message_with_no_text_part_is_refused(address: str, topic: Topic, caplog: Any) -> None:
    message = mail(address)
    message.add_attachment(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, maintype="image", subtype="png", filename="m31.png"
    )
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.inbound"):
        outcome = inbound.receive(message.as_bytes())
    assert outcome.code == inbound.EX_DATAERR
    assert "has no text or HTML part" in caplog.text
    assert replies(topic) == []


def test_a_reply_that_is_only_a_quote_is_refused(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content(GMAIL_QUOTE.strip())
    assert inbound.receive(message.as_bytes()).code == inbound.EX_DATAERR
    assert replies(topic) == []


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe garbage \x80\x81 not a message at all \r\n\r\n\xde\xad\xbe\xef",
        b"",
        b"To: reply+zzzz@nowhere.example\r\n\r\nhi",
    ],
)
def test_garbage_is_refused_and_nothing_is_posted(raw: bytes, address: str, topic: Topic) -> None:
    assert inbound.receive(raw).code == inbound.EX_NOUSER
    assert replies(topic) == []


def test_a_forged_reply_address_is_refused_and_logged(address: str, topic: Topic, caplog: Any) -> None:
    local, domain = address.split("@")
    forged = local[:-4] + ("aaaa" if not local.endswith("aaaa") else "bbbb") + "@" + domain
    message = mail(forged)
    message.set_content("Let me in.")
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.inbound"):
        outcome = inbound.receive(message.as_bytes())
    assert outcome.code == inbound.EX_NOUSER
    assert "forged reply token" in caplog.text
    assert replies(topic) == []


def test_a_token_moved_to_another_members_notification_is_refused(
    address: str, topic: Topic, ana: Any
) -> None:
    theirs = notify(ana, thread_key=f"topic:{topic.pk}")
    token = address.split("+", 1)[1].split("@")[0]
    _notification, issued, mac = token.split(".")
    moved = f"reply+{tokens._b36(theirs.pk)}.{issued}.{mac}@{REPLY_DOMAIN}"
    message = mail(moved)
    message.set_content("Posting as Ana.")
    assert inbound.receive(message.as_bytes()).code == inbound.EX_NOUSER
    assert replies(topic) == []


def test_a_stale_reply_address_is_refused(member: Any, address: str, topic: Topic, caplog: Any) -> None:
    notification_id = tokens.reply_token_id(address.split("+", 1)[1].split("@")[0])
    assert notification_id is not None
    old = tokens.reply_token(
        notification_id=notification_id, recipient_id=member.pk, now=time.time() - 31 * 86400
    )
    message = mail(f"reply+{old}@{REPLY_DOMAIN}")
    message.set_content("Sorry for the late answer.")
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.inbound"):
        assert inbound.receive(message.as_bytes()).code == inbound.EX_NOUSER
    assert "stale reply token" in caplog.text
    assert replies(topic) == []


def test_a_member_who_left_the_space_can_no_longer_reply(
    member: Any, address: str, topic: Topic, space: Space, caplog: Any
) -> None:
    SpaceMembership.objects.filter(space=space, user=member).delete()
    message = mail(address)
    message.set_content("Still here?")
    with caplog.at_level(logging.WARNING, logger="townhall.notifications.inbound"):
        assert inbound.receive(message.as_bytes()).code == inbound.EX_NOPERM
    assert "may no longer read space" in caplog.text
    assert replies(topic) == []


def test_a_closed_topic_refuses_the_reply(moderator: Any, address: str, topic: Topic, space: Space) -> None:
    Topic.objects.filter(pk=topic.pk).update(closed=True)
    message = mail(address)
    message.set_content("One more thing.")
    assert inbound.receive(message.as_bytes()).code == inbound.EX_NOPERM
    assert replies(topic) == []


def test_an_out_of_office_reply_is_dropped_without_a_bounce(address: str, topic: Topic) -> None:
    message = mail(address)
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("I am away until Monday.")
    outcome = inbound.receive(message.as_bytes())
    assert outcome.code == inbound.EX_OK and "automatic reply" in outcome.message
    assert replies(topic) == []


def test_without_a_reply_domain_nothing_is_ours(settings: Any, address: str, topic: Topic) -> None:
    settings.TOWNHALL_REPLY_DOMAIN = ""
    message = mail(address)
    message.set_content("Hello?")
    assert inbound.receive(message.as_bytes()).code == inbound.EX_NOUSER


# --- chat -----------------------------------------------------------------------------------------------


def test_a_reply_to_a_chat_thread_email_lands_in_the_thread(member: Any, ana: Any) -> None:
    channel = testing.make_space("Night owls", kind="chat", members=[member, ana])
    root = chat_actions.send_message(Guardian(ana), channel, body="Clear skies tonight?")
    notification = notify(member, actor=ana, space=channel, thread_key=f"thread:{root.pk}")
    message = mail(str(tokens.reply_address(notification_id=notification.pk, recipient_id=member.pk)))
    message.set_content("Yes, heading out at ten." + GMAIL_QUOTE)
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    reply = Message.objects.get(thread_root=root)
    assert reply.body == "Yes, heading out at ten." and reply.author == member


def test_a_reply_to_a_direct_message_email_is_a_message_in_the_conversation(member: Any, ana: Any) -> None:
    conversation = chat_actions.start_conversation(Guardian(ana), people=[member])
    notification = notify(member, actor=ana, space=conversation, thread_key=f"space:{conversation.pk}")
    message = mail(str(tokens.reply_address(notification_id=notification.pk, recipient_id=member.pk)))
    message.set_content("Thanks, see you there!\n\n-- \nMax")
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert list(Message.objects.filter(space=conversation, author=member).values_list("body", flat=True)) == [
        "Thanks, see you there!"
    ]


# --- the command ----------------------------------------------------------------------------------------


def test_the_command_reads_standard_input_and_exits_with_sysexits_codes(address: str, topic: Topic) -> None:
    message = mail(address)
    message.set_content("Posted through the pipe.")
    runner = CliRunner()
    result = runner.invoke(cli.main, ["inbound-email"], input=message.as_bytes())
    assert result.exit_code == 0, result.output
    assert replies(topic) == ["Posted through the pipe."]
    bad = runner.invoke(cli.main, ["inbound-email"], input=b"\x00\xff not mail")
    assert bad.exit_code == inbound.EX_NOUSER
    assert "no reply, bounce or unsubscribe address of ours" in bad.output


def test_the_command_takes_the_envelope_recipient(address: str, topic: Topic) -> None:
    message = mail("Max <max@example.org>")  # Bcc'd: our address is only in the envelope
    message.set_content("Via the envelope.")
    result = CliRunner().invoke(cli.main, ["inbound-email", "--recipient", address], input=message.as_bytes())
    assert result.exit_code == 0, result.output
    assert replies(topic) == ["Via the envelope."]


# --- the whole round trip ------------------------------------------------------------------------------


def test_replying_to_the_email_that_went_out_posts_in_the_topic(
    member: Any, ana: Any, topic: Topic, space: Space, outbox: Any
) -> None:
    from notify_email_testing import later

    from townhall.notifications.email import sending

    answer = discussion_actions.create_post(Guardian(ana), topic, body="A 14mm f/2.8 is the classic choice.")
    notification = notify(
        member, actor=ana, space=space, thread_key=f"topic:{topic.pk}", target=f"post:{answer.pk}"
    )
    sending.deliver([notification.pk], now=later(11))
    [sent] = outbox.to(member.email)
    quoted = "\n".join(f"> {line}" for line in outbox.body(sent).splitlines())
    reply = mail(
        str(sent["Reply-To"]),
        subject=f"Re: {str(sent['Subject']).strip()}",
        msgid="<reply-1@mail.example.org>",
    )
    reply["In-Reply-To"] = sent["Message-ID"]
    reply["References"] = f"{sent['References']} {sent['Message-ID']}"
    reply.set_content(
        f"Thanks Ana, ordered one!\n\nOn Tue, 1 Dec 2026 at 21:04, Night Sky Collective <noreply@nightsky.example> wrote:\n{quoted}\n"
    )
    assert inbound.receive(reply.as_bytes()).code == inbound.EX_OK
    post = Post.objects.get(topic=topic, author=member)
    assert post.body == "Thanks Ana, ordered one!"
    assert post.reply_to == answer  # threaded under the post the email was about


def test_a_message_without_a_message_id_is_still_posted_once(address: str, topic: Topic) -> None:
    message = EmailMessage()
    message["From"] = "Max Member <max@example.org>"
    message["To"] = address
    message["Subject"] = "Re: lens"
    message.set_content("No Message-ID from this client.")
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert inbound.receive(message.as_bytes()).code == inbound.EX_OK
    assert replies(topic) == ["No Message-ID from this client."]
