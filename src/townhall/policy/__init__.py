"""THE authorization layer. Every permission question in Townhall is asked of a Guardian.

Three forms per rule: `can_<verb>_<noun>(obj) -> bool`, `ensure_can_<verb>_<noun>(obj)` raising
PermissionDenied (seen but not allowed, 403 with a reason) or NotFound (unseen, 404), and
`visible_<nouns>(qs)` filtering lists inside the database query.
"""

from __future__ import annotations

from townhall.policy.accounts import AccountRules
from townhall.policy.community import CommunityRules
from townhall.policy.discussions import DiscussionRules
from townhall.policy.spaces import SpaceRules


class Guardian(CommunityRules, SpaceRules, AccountRules, DiscussionRules):
    pass


__all__ = ["Guardian"]
