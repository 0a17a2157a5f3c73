"""Who may read which rows of the Activity log (each verb declares its audience in its app's events.py).

- admins read every row;
- everyone reads their own rows;
- "space" rows: whoever may read the row's space; rows without a space, the community's members;
- "moderators" rows: the space's moderators, or community moderators (every row of that kind);
- "private" rows: only the actor (and admins).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from townhall.activity import verbs
from townhall.activity.models import Activity
from townhall.policy.rules import RuleGroup
from townhall.spaces.models import Space


class ActivityRules(RuleGroup):
    def visible(self, qs: QuerySet[Activity]) -> QuerySet[Activity]:
        g = self.g
        if g.is_admin:
            return qs
        condition = Q(pk__in=[])
        if g.user_id is not None:
            condition |= Q(actor_id=g.user_id)
        readable = g.spaces.readable(Space.objects.all()).values("pk")
        in_space = Q(space_id__in=readable)
        if g.can_read_as_member:
            in_space |= Q(space_id__isnull=True)
        condition |= Q(verb__in=verbs.names_for(verbs.SPACE)) & in_space
        if g.is_moderator:
            condition |= Q(verb__in=verbs.names_for(verbs.MODERATORS))
        else:
            moderated = g.spaces.moderated_ids()
            if moderated:
                condition |= Q(verb__in=verbs.names_for(verbs.MODERATORS)) & Q(space_id__in=moderated)
        return qs.filter(condition)
