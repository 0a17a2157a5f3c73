"""Rules about spaces: who sees them listed, who reads inside, who posts, joins and manages them.

- public: listed to and readable by anyone, search engines included;
- members: listed to and readable by every member (of the space's group, when it has one);
- private: listed to members (of its group, if any); read by the space's members; join by request or invitation;
- secret: listed to its members and invitees, read by its members only.

Admins see and read everything. Community moderators see and read every space except secret ones
(they moderate content community-wide), and may join private spaces without asking. Suspended
members read like members but write nothing and join nothing. An invitation to a space lets the
invitee see it (and join it) even when they are outside its group.

Every `can_*` answer has a matching `visible_spaces` / `readable_spaces` filter; the policy tests
check that the Python rule and the database filter agree for every persona and space state.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from townhall.policy.base import GuardianBase
from townhall.spaces.models import Space, SpaceMembership

JOIN = "join"
REQUEST = "request"
ACCEPT = "accept"


class SpaceRules(GuardianBase):
    def _space_state(self, space: Space) -> tuple[str, str] | None:
        return self.space_roles.get(space.pk)

    def is_space_member(self, space: Space) -> bool:
        state = self._space_state(space)
        return state is not None and state[0] == SpaceMembership.ACTIVE

    def is_space_invited(self, space: Space) -> bool:
        state = self._space_state(space)
        return state is not None and state[0] == SpaceMembership.INVITED

    def has_requested_space(self, space: Space) -> bool:
        state = self._space_state(space)
        return state is not None and state[0] == SpaceMembership.REQUESTED

    def is_space_moderator(self, space: Space) -> bool:
        state = self._space_state(space)
        return state is not None and state == (SpaceMembership.ACTIVE, SpaceMembership.MODERATOR)

    def _in_space_group(self, space: Space) -> bool:
        """In the space's group (or it has none), or already in the space: may read group content."""
        return space.group_id is None or space.group_id in self.group_ids or self.is_space_member(space)

    def _listed_by_group(self, space: Space) -> bool:
        """Like _in_space_group, but an invitation also counts: invitees see what they are invited to."""
        return self._in_space_group(space) or self.is_space_invited(space)

    def active_space_ids(self) -> list[int]:
        return [sid for sid, (state, _r) in self.space_roles.items() if state == SpaceMembership.ACTIVE]

    def listed_space_ids(self) -> list[int]:
        return [sid for sid, (state, _r) in self.space_roles.items() if state != SpaceMembership.REQUESTED]

    # --- seeing and reading ----------------------------------------------------------------------
    def can_view_space(self, space: Space) -> bool:
        """The space is listed to this person (its name and description)."""
        if space.visibility == Space.PUBLIC or self.is_admin:
            return True
        if not self.can_read_as_member:
            return False
        if space.visibility == Space.SECRET:
            return self.is_space_member(space) or self.is_space_invited(space)
        return self.is_moderator or self._listed_by_group(space)

    def ensure_can_view_space(self, space: Space) -> None:
        if not self.can_view_space(space):
            raise self.not_found()

    def can_read_space(self, space: Space) -> bool:
        """The space's content (topics, messages) is readable by this person."""
        if space.visibility == Space.PUBLIC or self.is_admin:
            return True
        if not self.can_read_as_member:
            return False
        if space.visibility == Space.MEMBERS:
            return self.is_moderator or self._in_space_group(space)
        if space.visibility == Space.PRIVATE:
            return self.is_moderator or self.is_space_member(space)
        return self.is_space_member(space)

    def ensure_can_read_space(self, space: Space) -> None:
        self.ensure_can_view_space(space)
        if not self.can_read_space(space):
            raise self.deny("This space is private — request to join to read it.")

    def can_view_space_members(self, space: Space) -> bool:
        """The list of a space's members: only for community members who can read the space."""
        return self.can_read_as_member and self.can_read_space(space)

    def ensure_can_view_space_members(self, space: Space) -> None:
        self.ensure_can_view_space(space)
        if not self.can_view_space_members(space):
            if not self.can_read_as_member:
                raise self.deny("Only members of the community can see who is in a space.")
            raise self.deny("Only this space's members can see who is in it.")

    def visible_spaces(self, qs: QuerySet[Space]) -> QuerySet[Space]:
        if self.is_admin:
            return qs
        condition = Q(visibility=Space.PUBLIC)
        if self.can_read_as_member:
            listed = self.listed_space_ids()
            shared = Q(visibility__in=[Space.MEMBERS, Space.PRIVATE])
            if self.is_moderator:
                condition |= shared
            else:
                in_group = Q(group__isnull=True) | Q(group_id__in=self.group_ids) | Q(pk__in=listed)
                condition |= shared & in_group
            condition |= Q(pk__in=listed)
        return qs.filter(condition)

    def readable_spaces(self, qs: QuerySet[Space]) -> QuerySet[Space]:
        """Spaces whose content this person may read (used to scope lists and search)."""
        if self.is_admin:
            return qs
        condition = Q(visibility=Space.PUBLIC)
        if self.can_read_as_member:
            active = self.active_space_ids()
            if self.is_moderator:
                condition |= Q(visibility__in=[Space.MEMBERS, Space.PRIVATE])
            else:
                in_group = Q(group__isnull=True) | Q(group_id__in=self.group_ids)
                condition |= Q(visibility=Space.MEMBERS) & in_group
            condition |= Q(pk__in=active)
        return qs.filter(condition)

    # --- writing ---------------------------------------------------------------------------------
    def can_post_in_space(self, space: Space) -> bool:
        return self._post_refusal(space) is None

    def ensure_can_post_in_space(self, space: Space) -> None:
        self.ensure_can_read_space(space)
        reason = self._post_refusal(space)
        if reason:
            raise self.deny(reason)

    def post_refusal(self, space: Space) -> str | None:
        """Why this person may not start posts here (None when they may), for templates."""
        return self._post_refusal(space)

    def _post_refusal(self, space: Space) -> str | None:
        if not self.can_read_space(space):
            return "You cannot see this space."
        if self.user is None:
            return "Sign in to take part."
        if self.is_suspended:
            return "Your membership is suspended, so you cannot post for now."
        if not self.is_member:
            return "Join the community to take part."
        if space.archived_at is not None:
            return "This space is archived."
        if space.posting == Space.MODERATORS and not (self.is_moderator or self.is_space_moderator(space)):
            return "Only moderators post in this space."
        if space.visibility in (Space.PRIVATE, Space.SECRET) and not (
            self.is_space_member(space) or self.is_admin
        ):
            return "Join this space to post in it."
        if not self._in_space_group(space) and not self.is_admin:
            return "This space is for members of its group."
        return None

    # --- membership ------------------------------------------------------------------------------
    def join_mode(self, space: Space) -> str | None:
        """How this person can join: "join", "request", "accept" (invited) or None."""
        if not self.is_member or self.is_space_member(space) or not self.can_view_space(space):
            return None
        if space.archived_at is not None:
            return None
        if self.is_space_invited(space):
            return ACCEPT
        if self.has_requested_space(space):
            return None  # waiting for a moderator, whatever the visibility is now
        if space.visibility == Space.SECRET and not self.is_admin:
            return None
        if not self._in_space_group(space) and not self.is_admin:
            return None
        if space.visibility == Space.PRIVATE and not self.is_moderator:
            return REQUEST
        return JOIN

    def ensure_can_join_space(self, space: Space) -> str:
        """Raise unless this person can join now; return the join mode ("join", "request", "accept")."""
        self.ensure_can_view_space(space)
        if self.user is None:
            raise self.deny("Sign in to join spaces.")
        if self.is_suspended:
            raise self.deny("Your membership is suspended, so you cannot join spaces for now.")
        if not self.is_member:
            raise self.deny("Join the community first.")
        if self.is_space_member(space):
            raise self.deny("You are already in this space.")
        if self.has_requested_space(space):
            raise self.deny("Your request to join is waiting for a moderator.")
        if space.archived_at is not None:
            raise self.deny("This space is archived, so nobody can join it.")
        mode = self.join_mode(space)
        if mode is None:
            if space.visibility == Space.SECRET:
                raise self.deny("This space is by invitation only.")
            raise self.deny("This space is for members of its group.")
        return mode

    def can_leave_space(self, space: Space) -> bool:
        """Leave (active), withdraw a request (requested) or decline an invitation (invited)."""
        return self._space_state(space) is not None

    def ensure_can_leave_space(self, space: Space) -> None:
        self.ensure_can_view_space(space)
        if not self.can_leave_space(space):
            raise self.deny("You are not in this space.")

    def can_moderate_space(self, space: Space) -> bool:
        """Approve requests, invite, and moderate content inside the space."""
        if not self.can_view_space(space):
            return False
        return self.is_moderator or (self.is_member and self.is_space_moderator(space))

    def ensure_can_moderate_space(self, space: Space) -> None:
        self.ensure_can_view_space(space)
        if not self.can_moderate_space(space):
            raise self.deny("Only this space's moderators can do that.")

    def can_manage_space(self, space: Space) -> bool:
        """Change settings, visibility, sidebar placement and space moderators."""
        return self.is_admin

    def ensure_can_manage_space(self, space: Space) -> None:
        self.ensure_can_view_space(space)
        if not self.can_manage_space(space):
            raise self.deny("Only admins can change a space's settings.")

    def can_create_space(self) -> bool:
        return self.is_admin

    def ensure_can_create_space(self) -> None:
        if not self.can_create_space():
            raise self.deny("Only admins can create spaces.")

    def can_manage_sidebar(self) -> bool:
        """Create, rename, delete and order sidebar sections; order spaces inside them."""
        return self.is_admin

    def ensure_can_manage_sidebar(self) -> None:
        if not self.can_manage_sidebar():
            raise self.deny("Only admins can arrange the sidebar.")
