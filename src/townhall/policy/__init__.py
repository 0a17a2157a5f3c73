"""THE authorization layer. Every permission question in Townhall is asked of a Guardian.

Rules are grouped per app (`guardian.community`, `.spaces`, `.accounts`, `.discussions`, `.activity`).
Each rule is written once and returns a refusal or nothing (see `policy.rules`); `visible_<nouns>(qs)`
and `readable(qs)` filter lists inside the database query and are tested against the rules.
"""

from __future__ import annotations

from townhall.policy.guardian import Guardian
from townhall.policy.rules import UNSEEN, Refusal

__all__ = ["UNSEEN", "Guardian", "Refusal"]
