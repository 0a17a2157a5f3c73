"""The posts of a topic page as HTML, built in Python.

A topic page shows 20 posts; rendering each through `{% include %}` templates with per-post Guardian
tags cost about 1 ms a post, most of the page's time. This module writes the same markup with plain
string building: the topic-wide permissions (reply, accept, moderate) are asked once per page, URL
patterns are reversed once per page and filled in per post, and the CSRF input is only produced
when a form is shown (an anonymous page never touches the token, so it sets no cookie).

It is the one source of the post markup: the topic page, its threaded view, the htmx reply and the
reaction-bar partials all call it (templates through `{% load discussions_render %}`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime

from townhall.content.reactions import reaction_bar
from townhall.core.templatetags.townhall_tags import initials

if TYPE_CHECKING:
    from townhall.discussions.models import Topic
    from townhall.discussions.queries import PostItem

_SENTINEL = "987654321"
_PATH_SAFE = "!$&'()*+,;=/~:@"  # what `reverse` leaves unquoted in a path argument


class PostRenderer:
    """Renders posts, threads and reaction bars for one reader of one topic (one request)."""

    def __init__(
        self,
        *,
        guardian: Any,
        topic: Topic | None,
        view: str = "",
        choices: list[Any] | None = None,
        csrf_token: Any = None,
    ) -> None:
        self.guardian = guardian
        self.topic = topic
        self.view = view
        self.choices = choices or []
        self._csrf_token = csrf_token
        self._csrf_input: str | None = None
        self._patterns: dict[str, str] = {}
        # Topic-wide permissions, asked once (the reaction-bar partial has no topic in its context).
        self.may_reply = self._can("reply", topic)
        self.may_accept = self._can("accept_answer", topic)
        self.may_moderate = self._can("moderate_topic", topic)

    def _can(self, rule: str, obj: object) -> bool:
        if self.guardian is None or obj is None:
            return False
        return bool(getattr(self.guardian.discussions, rule).can(obj))

    # --- helpers ---------------------------------------------------------------------------------
    def _url(self, name: str, arg: object) -> str:
        """`reverse(name, args=[arg])`, reversing each URL name once per renderer."""
        pattern = self._patterns.get(name)
        if pattern is None:
            pattern = self._patterns[name] = reverse(name, args=[_SENTINEL])
        if isinstance(arg, int):
            return pattern.replace(_SENTINEL, str(arg))
        return pattern.replace(_SENTINEL, quote(str(arg), safe=_PATH_SAFE))

    def _csrf(self) -> str:
        """The `{% csrf_token %}` input, resolved only when a form needs it."""
        if self._csrf_input is None:
            token = self._csrf_token
            if not token or token == "NOTPROVIDED":
                self._csrf_input = ""
            else:
                self._csrf_input = (
                    f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
                )
        return self._csrf_input

    @staticmethod
    def _avatar(person: Any, size: int) -> str:
        if person.avatar:
            return (
                f'<img class="avatar avatar-{size}" src="{escape(person.avatar.url)}" alt="" '
                f'width="{size}" height="{size}">'
            )
        return (
            f'<span class="avatar avatar-{size} avatar-initials" aria-hidden="true">'
            f"{escape(initials(person.name))}</span>"
        )

    # --- a post ----------------------------------------------------------------------------------
    def post(self, item: PostItem) -> SafeString:
        return mark_safe(self._post(item))  # noqa: S308 - every value below is escaped or sanitised

    def _post(self, item: PostItem) -> str:
        post = item.post
        topic = post.topic
        pk = post.pk
        accepted = topic.accepted_post_id == pk
        author = post.author
        out: list[str] = []
        a = out.append
        if item.unread_divider:
            a('<p class="unread-divider" id="new"><span>New since your last visit</span></p>\n')
        cls = "post"
        if post.position == 1:
            cls += " post-opening"
        if accepted:
            cls += " post-accepted"
        a(
            f'<article class="{cls}" id="post-{pk}" aria-labelledby="post-{pk}-by">\n  <header class="post-head row">\n'
        )
        if item.visible and author:
            a(self._avatar(author, 28))
        if post.deleted_at:
            who = "Deleted post"
        elif author:
            who = f'<a href="{self._url("accounts:profile", author.username)}">{escape(author.name)}</a>'
        else:
            who = "Former member"
        a(f'\n    <span id="post-{pk}-by"><strong>{who}</strong></span>\n')
        created = localtime(post.created_at) if is_aware(post.created_at) else post.created_at
        a(
            f'    <a class="muted small" href="{self._url("discussions:post", pk)}" title="Link to this post">'
            f'#{post.position} · <time datetime="{created.isoformat()}">{escape(naturaltime(created))}</time></a>\n'
        )
        if post.edited_at and item.visible:
            a(f'    <a class="muted small" href="{self._url("discussions:post-revisions", pk)}">edited</a>\n')
        if accepted:
            a('    <span class="badge badge-solved">Accepted answer</span>\n')
        if post.hidden:
            a('    <span class="badge">Hidden by a moderator</span>\n')
        a("  </header>\n")
        if post.deleted_at:
            a('  <p class="muted">This post was deleted.</p>\n')
        elif not item.visible:
            a('  <p class="muted">A moderator has hidden this post.</p>\n')
        elif item.from_blocked:
            a('  <p class="muted">A post from a member you blocked.</p>\n')
        else:
            if post.reply_to_id and self.view != "thread":
                name = getattr(post, "reply_to_author_name", None)  # queries.topic_page annotates it
                whom = escape(name) if name else "an earlier post"
                a(
                    f'  <p class="small muted">In reply to <a href="{self._url("discussions:post", post.reply_to_id)}">'
                    f"{whom}</a></p>\n"
                )
            a(f'  <div class="prose">{post.body_html}</div>\n')  # sanitised when the post was saved
            # One bar under the text: reactions on the left, the post's actions on the right.
            a('  <div class="post-bar">\n')
            a(self._reactions(item))
            a(self._actions(item))
            a("  </div>\n")
        if (post.deleted_at or post.hidden) and self.may_moderate and post.position != 1:
            a(
                f'  <form method="post" action="{self._url("discussions:post-moderate", pk)}" class="inline-form small">'
                f'{self._csrf()}<input type="hidden" name="op" value="restore">'
                '<button type="submit" class="link-button">Restore</button></form>\n'
            )
        a(f'  <div id="reply-slot-{pk}"></div>\n</article>\n')
        return "".join(out)

    @staticmethod
    def _icon(name: str, label: str) -> str:
        """An action's icon (drawn by discussions.css) and its name for screen readers."""
        return f'<span class="icon icon-{name}" aria-hidden="true"></span><span class="visually-hidden">{label}</span>'

    def _button_form(self, action: str, icon: str, label: str, *, fields: str = "", confirm: str = "") -> str:
        return (
            f'    <form method="post" action="{action}" class="inline-form"{confirm}>{self._csrf()}{fields}'
            f'<button type="submit" class="post-action" title="{label}">{self._icon(icon, label)}</button></form>\n'
        )

    def _actions(self, item: PostItem) -> str:
        """The post's actions as a row of icon buttons, each named for screen readers (and in a tooltip)."""
        post = item.post
        topic = post.topic
        pk = post.pk
        out: list[str] = ['  <footer class="post-actions row small">\n']
        a = out.append
        if self.may_reply:
            reply = f"{self._url('discussions:topic-reply', topic.pk)}?to={pk}"
            a(
                f'    <a class="post-action" href="{reply}" title="Reply" hx-get="{reply}" '
                f'hx-target="#reply-slot-{pk}" hx-swap="innerHTML">{self._icon("reply", "Reply")}</a>\n'
            )
            a(
                f'    <a class="post-action" href="{reply}&amp;quote={pk}" title="Quote">{self._icon("quote", "Quote")}</a>\n'
            )
        if self._can("edit_post", post):
            a(
                f'    <a class="post-action" href="{self._url("discussions:post-edit", pk)}" title="Edit">'
                f"{self._icon('edit', 'Edit')}</a>\n"
            )
        if self.may_accept:
            accept = self._url("discussions:topic-accept", topic.pk)
            if post.position != 1 and topic.accepted_post_id != pk:
                field = f'<input type="hidden" name="post" value="{pk}">'
                a(self._button_form(accept, "accept", "Accept as answer", fields=field))
            elif topic.accepted_post_id == pk:
                field = '<input type="hidden" name="op" value="unaccept">'
                a(self._button_form(accept, "unaccept", "Unaccept", fields=field))
        if self._can("delete_post", post):
            what = "topic" if post.position == 1 else "post"
            confirm = (
                f' data-confirm="Delete this {what}?" data-confirm-button="Delete {what}"'
                ' data-confirm-detail="You can undo it for a few seconds afterwards."'
            )
            a(
                self._button_form(
                    self._url("discussions:post-delete", pk), "delete", "Delete", confirm=confirm
                )
            )
        if self.may_moderate and post.position != 1:
            op, label = ("restore", "Restore") if post.hidden else ("hide", "Hide")
            field = f'<input type="hidden" name="op" value="{op}">'
            a(self._button_form(self._url("discussions:post-moderate", pk), op, label, fields=field))
        a("  </footer>\n")
        return "".join(out)

    # --- reactions -------------------------------------------------------------------------------
    def reactions(self, item: PostItem) -> SafeString:
        return mark_safe(self._reactions(item))  # noqa: S308 - every value is escaped

    def _reactions(self, item: PostItem) -> str:
        pk = item.post.pk
        url = self._url("discussions:post-react", pk) if self._can("react", item.post) else ""
        # The markup chat's messages share; the CSRF input is resolved only when there is a form.
        return reaction_bar(
            dom_id=f"reactions-{pk}", url=url, summaries=item.reactions, choices=self.choices,
            csrf_input=self._csrf() if url else "",
        )  # fmt: skip

    # --- the threaded view -----------------------------------------------------------------------
    def thread(self, nodes: list[PostItem]) -> SafeString:
        return mark_safe(self._thread(nodes))  # noqa: S308 - built from escaped parts

    def _thread(self, nodes: list[PostItem]) -> str:
        out: list[str] = ['<ul class="thread">\n']
        a = out.append
        for node in nodes:
            a('<li class="thread-item">\n')
            a(self._post(node))
            if node.children:
                n = len(node.children)
                author = node.post.author
                to = escape(author.name) if author is not None and author.name else "this post"
                a(
                    '<details class="subthread" open>\n'
                    f'<summary class="small muted">{n} repl{"y" if n == 1 else "ies"} to {to}</summary>\n'
                )
                a(self._thread(node.children))
                a("</details>\n")
            if node.continue_thread:
                topic = node.post.topic
                url = reverse("discussions:topic", args=[topic.pk, topic.slug or "-"])
                n = node.post.reply_count  # direct replies; the page behind the link shows their replies too
                a(
                    f'<p class="small"><a href="{url}?view=thread&amp;root={node.post.pk}">'
                    f"Continue this thread ({n} repl{'y' if n == 1 else 'ies'} to this post) →</a></p>\n"
                )
            a("</li>\n")
        a("</ul>\n")
        return "".join(out)
