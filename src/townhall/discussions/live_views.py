"""One post as its reader may see it, for the open topic page that the stream told about a new, edited
or removed reply (discussions.js inserts or replaces it in place). Without htmx: the post's permalink."""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from townhall.core.htmx import is_htmx
from townhall.discussions import queries
from townhall.discussions.models import Post, reaction_choices
from townhall.policy.request import guardian_of


@require_GET
def post_fragment(request: HttpRequest, post_id: int) -> HttpResponse:
    """The post's `<article>` exactly as the topic page renders it for this reader (reactions, "in reply
    to", a hidden or deleted body as they may see it). A post in a topic they may not see: 404."""
    guardian = guardian_of(request)
    post = queries.get_post_or_404(guardian, post_id)
    if not is_htmx(request):
        return redirect("discussions:post", post.pk)
    # "In reply to <name>", as the flat page annotates it.
    named = (
        Post.objects.filter(pk=post.pk)
        .annotate(
            name=Coalesce(
                NullIf(F("reply_to__author__display_name"), Value("")), F("reply_to__author__username")
            )
        )
        .values_list("name", flat=True)
        .first()
    )
    post.reply_to_author_name = named  # type: ignore[attr-defined]
    topic = post.topic
    choices = reaction_choices()
    item = queries.PostItem(
        post=post,
        reactions=queries.reactions_for(guardian, [post.pk], choices).get(post.pk, []),
        visible=guardian.discussions.view_post_body.can(post),
    )
    return render(
        request,
        "discussions/includes/post.html",
        {"item": item, "topic": topic, "page": None, "choices": choices},
    )
