"""Rules about spaces: who sees them listed, who reads inside, who posts, joins and manages them.

- public: listed to and readable by anyone, search engines included;
- members: listed to and readable by every member (of the space's group, when it has one);
- private: listed to members (of its group, if any); read by the space's members; join by request or invitation;
- secret: listed to its members and invitees, read by its members only.

Admins see and read everything. Community moderators see and read every space except secret ones
(they moderate content community-wide), and may join private spaces without asking. Suspended
members read like members but write nothing and join nothing. An invitation to a space lets the
invitee see it (and join it) even when they are outside its group.

Personal spaces (a kind registered with `listed=False`: direct conversations) are seen and read by their
own active members only, admins and moderators included, and nobody joins, moderates or manages them as
a space: the app that owns the kind adds and removes their members.

Every rule has a matching `visible` / `readable` filter; the policy tests check that the Python rule and
the database filter agree for every persona and space state.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from townhall.core.registries import unlisted_kinds
from townhall.policy.rules import UNSEEN, Refusal, RuleGroup, refuse, rule
from townhall.spaces.models import Space, SpaceMembership

JOIN = "join"
REQUEST = "request"
ACCEPT = "accept"


PERSONAL = "This is a private conversation, not a community space."


def is_personal(space: Space) -> bool:
    """A space of a personal kind (`SpaceKind.listed` False): a direct conversation."""
    return space.kind in unlisted_kinds()


class SpaceRules(RuleGroup):
    # --- where this person stands in a space (from the Guardian's cache, no query) -----------------
    def _state(self, space: Space) -> tuple[str, str] | None:
        return self.g.space_roles.get(space.pk)

    def is_member(self, space: Space) -> bool:
        state = self._state(space)
        return state is not None and state[0] == SpaceMembership.ACTIVE

    def is_invited(self, space: Space) -> bool:
        state = self._state(space)
        return state is not None and state[0] == SpaceMembership.INVITED

    def has_requested(self, space: Space) -> bool:
        state = self._state(space)
        return state is not None and state[0] == SpaceMembership.REQUESTED

    def is_moderator(self, space: Space) -> bool:
        state = self._state(space)
        return state is not None and state == (SpaceMembership.ACTIVE, SpaceMembership.MODERATOR)

    def in_group(self, space: Space) -> bool:
        """In the space's group (or it has none), or already in the space: may read group content."""
        return space.group_id is None or space.group_id in self.g.group_ids or self.is_member(space)

    def _listed_by_group(self, space: Space) -> bool:
        """Like in_group, but an invitation also counts: invitees see what they are invited to."""
        return self.in_group(space) or self.is_invited(space)

    def active_ids(self) -> list[int]:
        return [sid for sid, (state, _r) in self.g.space_roles.items() if state == SpaceMembership.ACTIVE]

    def listed_ids(self) -> list[int]:
        return [sid for sid, (state, _r) in self.g.space_roles.items() if state != SpaceMembership.REQUESTED]

    # --- seeing and reading ----------------------------------------------------------------------
    @rule
    def view(self, space: Space) -> Refusal | None:
        """The space is listed to this person (its name and description)."""
        g = self.g
        if is_personal(space):
            return None if g.can_read_as_member and self.is_member(space) else UNSEEN
        if space.visibility == Space.PUBLIC or g.is_admin:
            return None
        if not g.can_read_as_member:
            return UNSEEN
        if space.visibility == Space.SECRET:
            return None if self.is_member(space) or self.is_invited(space) else UNSEEN
        return None if g.is_moderator or self._listed_by_group(space) else UNSEEN

    def _reads(self, space: Space) -> bool:
        g = self.g
        if is_personal(space):
            return g.can_read_as_member and self.is_member(space)
        if space.visibility == Space.PUBLIC or g.is_admin:
            return True
        if not g.can_read_as_member:
            return False
        if space.visibility == Space.MEMBERS:
            return g.is_moderator or self.in_group(space)
        if space.visibility == Space.PRIVATE:
            return g.is_moderator or self.is_member(space)
        return self.is_member(space)

    @rule
    def read(self, space: Space) -> Refusal | None:
        """The space's content (topics, messages) is readable by this person."""
        seen = self.view(space)
        if seen is not None:
            return seen
        return None if self._reads(space) else refuse("This space is private — request to join to read it.")

    @rule
    def view_members(self, space: Space) -> Refusal | None:
        """The list of a space's members: only for community members who can read the space."""
        seen = self.view(space)
        if seen is not None:
            return seen
        if not self.g.can_read_as_member:
            return refuse("Only members of the community can see who is in a space.")
        if not self._reads(space):
            return refuse("Only this space's members can see who is in it.")
        return None

    def visible(self, qs: QuerySet[Space]) -> QuerySet[Space]:
        """Spaces listed to this person (the `view` rule, in SQL)."""
        g = self.g
        if g.is_admin:
            return qs.filter(self._personal_condition() | ~Q(kind__in=unlisted_kinds()))
        condition = Q(visibility=Space.PUBLIC)
        if g.can_read_as_member:
            listed = self.listed_ids()
            shared = Q(visibility__in=[Space.MEMBERS, Space.PRIVATE])
            if g.is_moderator:
                condition |= shared
            else:
                in_group = Q(group__isnull=True) | Q(group_id__in=g.group_ids) | Q(pk__in=listed)
                condition |= shared & in_group
            condition |= Q(pk__in=listed)
        return qs.filter((condition & ~Q(kind__in=unlisted_kinds())) | self._personal_condition())

    def _personal_condition(self) -> Q:
        """Personal spaces (conversations) this person is an active member of, as an SQL condition."""
        if not self.g.can_read_as_member:
            return Q(pk__in=[])
        return Q(kind__in=unlisted_kinds(), pk__in=self.active_ids())

    def readable(self, qs: QuerySet[Space]) -> QuerySet[Space]:
        """Spaces whose content this person may read (the `read` rule, in SQL; scopes lists and search)."""
        g = self.g
        if g.is_admin:
            return qs.filter(self._personal_condition() | ~Q(kind__in=unlisted_kinds()))
        condition = Q(visibility=Space.PUBLIC)
        if g.can_read_as_member:
            active = self.active_ids()
            if g.is_moderator:
                condition |= Q(visibility__in=[Space.MEMBERS, Space.PRIVATE])
            else:
                in_group = Q(group__isnull=True) | Q(group_id__in=g.group_ids)
                condition |= Q(visibility=Space.MEMBERS) & in_group
            condition |= Q(pk__in=active)
        return qs.filter((condition & ~Q(kind__in=unlisted_kinds())) | self._personal_condition())

    # --- writing ---------------------------------------------------------------------------------
    @rule
    def post(self, space: Space) -> Refusal | None:
        """Start something in the space (a topic, a message)."""
        unread = self.read(space)
        if unread is not None:
            return unread
        g = self.g
        if g.user is None:
            return refuse("Sign in to take part.")
        if g.is_suspended:
            return refuse("Your membership is suspended, so you cannot post for now.")
        if not g.is_member:
            return refuse("Join the community to take part.")
        if space.archived_at is not None:
            return refuse("This space is archived.")
        if space.posting == Space.MODERATORS and not (g.is_moderator or self.is_moderator(space)):
            return refuse("Only moderators post in this space.")
        if space.visibility in (Space.PRIVATE, Space.SECRET) and not (self.is_member(space) or g.is_admin):
            return refuse("Join this space to post in it.")
        if not self.in_group(space) and not g.is_admin:
            return refuse("This space is for members of its group.")
        return None

    # --- membership ------------------------------------------------------------------------------
    def join_mode(self, space: Space) -> str | None:
        """How this person can join: "join", "request", "accept" (invited) or None."""
        g = self.g
        if not g.is_member or self.is_member(space) or not self.view.can(space) or is_personal(space):
            return None
        if space.archived_at is not None:
            return None
        if self.is_invited(space):
            return ACCEPT
        if self.has_requested(space):
            return None  # waiting for a moderator, whatever the visibility is now
        if space.visibility == Space.SECRET and not g.is_admin:
            return None
        if not self.in_group(space) and not g.is_admin:
            return None
        if space.visibility == Space.PRIVATE and not g.is_moderator:
            return REQUEST
        return JOIN

    def joinable(self, qs: QuerySet[Space]) -> QuerySet[Space]:
        """Listed spaces this person is not in and might join (in SQL; `join_mode` decides each one)."""
        if not self.g.is_member:
            return qs.none()
        qs = self.visible(qs).exclude(pk__in=list(self.g.space_roles)).exclude(visibility=Space.SECRET)
        if not self.g.is_admin:
            qs = qs.filter(Q(group__isnull=True) | Q(group_id__in=self.g.group_ids))
        return qs

    @rule
    def join(self, space: Space) -> Refusal | None:
        """Join now, request to join, or accept an invitation (which of them: `join_mode`)."""
        seen = self.view(space)
        if seen is not None:
            return seen
        g = self.g
        if g.user is None:
            return refuse("Sign in to join spaces.")
        if g.is_suspended:
            return refuse("Your membership is suspended, so you cannot join spaces for now.")
        if not g.is_member:
            return refuse("Join the community first.")
        if self.is_member(space):
            return refuse("You are already in this space.")
        if is_personal(space):
            return refuse(PERSONAL)
        if self.has_requested(space):
            return refuse("Your request to join is waiting for a moderator.")
        if space.archived_at is not None:
            return refuse("This space is archived, so nobody can join it.")
        if self.join_mode(space) is None:
            if space.visibility == Space.SECRET:
                return refuse("This space is by invitation only.")
            return refuse("This space is for members of its group.")
        return None

    @rule
    def leave(self, space: Space) -> Refusal | None:
        """Leave (active), withdraw a request (requested) or decline an invitation (invited)."""
        seen = self.view(space)
        if seen is not None:
            return seen
        if is_personal(space):
            return refuse(PERSONAL)  # a conversation is left through its own page (policy.direct)
        return None if self._state(space) is not None else refuse("You are not in this space.")

    @rule
    def moderate(self, space: Space) -> Refusal | None:
        """Approve requests, invite, and moderate content inside the space."""
        seen = self.view(space)
        if seen is not None:
            return seen
        g = self.g
        if is_personal(space):
            return refuse(PERSONAL)
        if g.is_moderator or (g.is_member and self.is_moderator(space)):
            return None
        return refuse("Only this space's moderators can do that.")

    @rule
    def manage(self, space: Space) -> Refusal | None:
        """Change settings, visibility, sidebar placement and space moderators."""
        seen = self.view(space)
        if seen is not None:
            return seen
        if is_personal(space):
            return refuse(PERSONAL)
        return None if self.g.is_admin else refuse("Only admins can change a space's settings.")

    @rule
    def create(self) -> Refusal | None:
        return None if self.g.is_admin else refuse("Only admins can create spaces.")

    @rule
    def manage_sidebar(self) -> Refusal | None:
        """Create, rename, delete and order sidebar sections; order spaces inside them."""
        return None if self.g.is_admin else refuse("Only admins can arrange the sidebar.")

    def moderated_ids(self) -> list[int]:
        """Spaces this person moderates as a space moderator (community moderators moderate all)."""
        if not self.g.is_member:
            return []
        return [
            sid
            for sid, state in self.g.space_roles.items()
            if state == (SpaceMembership.ACTIVE, SpaceMembership.MODERATOR)
        ]
