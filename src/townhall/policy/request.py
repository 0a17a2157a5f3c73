"""The request as views see it once the web layer's middleware has run: it carries its Guardian.

Views annotate `request: GuardedRequest` and read `request.guardian`; API handlers, which Ninja types as
plain HttpRequest, ask `guardian_of(request)`. The middleware that builds both lives in `townhall.web`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest

from townhall.community.models import Community
from townhall.policy.guardian import Guardian

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class GuardedRequest(HttpRequest):
    guardian: Guardian
    community: Community
    htmx: HtmxDetails
    auth: Any  # the API caller, set by Ninja's authentication


def guardian_of(request: HttpRequest) -> Guardian:
    """The request's Guardian (built lazily for whoever the request turned out to be: session or token)."""
    return cast(GuardedRequest, request).guardian
