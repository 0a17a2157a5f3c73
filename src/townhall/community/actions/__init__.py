"""Every write about the community goes through these actions (see ARCHITECTURE.md, house rule 1)."""

from townhall.community.actions.identity import clean_screening_questions, process_logo, update_community
from townhall.community.actions.joining import (
    accept_invitation,
    check_invitation,
    create_invitation,
    join_community,
    leave_community,
    review_application,
    revoke_invitation,
)
from townhall.community.actions.members import (
    BULK_MAX,
    BulkResult,
    add_group_member,
    ban_member,
    bulk_update_members,
    clean_group,
    create_group,
    delete_group,
    remove_group_member,
    restore_member,
    set_member_role,
    suspend_member,
    update_group,
)
from townhall.community.actions.onboarding import (
    accept_code_of_conduct,
    complete_profile,
    finish_space_selection,
    write_introduction,
)

__all__ = [
    "BULK_MAX",
    "BulkResult",
    "accept_code_of_conduct",
    "accept_invitation",
    "add_group_member",
    "ban_member",
    "bulk_update_members",
    "check_invitation",
    "clean_group",
    "clean_screening_questions",
    "complete_profile",
    "create_group",
    "create_invitation",
    "delete_group",
    "finish_space_selection",
    "join_community",
    "leave_community",
    "process_logo",
    "remove_group_member",
    "restore_member",
    "review_application",
    "revoke_invitation",
    "set_member_role",
    "suspend_member",
    "update_community",
    "update_group",
    "write_introduction",
]
