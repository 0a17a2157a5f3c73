"""Forms for community pages. They parse input; the actions decide what is allowed and valid."""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.community.actions.identity import MAX_QUESTION_CHARS, MAX_QUESTIONS
from townhall.community.actions.joining import MAX_ANSWER_CHARS
from townhall.community.actions.onboarding import MAX_INTRODUCTION
from townhall.community.models import Community, Group, Membership
from townhall.spaces.models import Space


class CommunitySettingsForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name")
    tagline = forms.CharField(max_length=160, required=False, label="Tagline")
    mission = forms.CharField(
        max_length=4000,
        required=False,
        label="Mission",
        widget=forms.Textarea,
        help_text="Markdown is supported.",
    )
    values = forms.CharField(
        max_length=4000,
        required=False,
        label="Values",
        widget=forms.Textarea,
        help_text="Markdown is supported.",
    )
    code_of_conduct = forms.CharField(
        max_length=20000,
        required=False,
        label="Code of conduct",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Markdown is supported. New members accept it during onboarding.",
    )
    logo = forms.FileField(
        required=False,
        label="Logo",
        help_text="A PNG, JPEG, GIF or WebP image up to 2 MB; shown at most 512px.",
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the current logo")
    accent_color = forms.RegexField(
        regex=r"^#[0-9a-fA-F]{6}$",
        label="Accent colour",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": "Use a colour like #3b5bdb."},
    )
    landing_public = forms.BooleanField(
        required=False,
        label="Public landing page",
        help_text="Visitors see the mission, values and public spaces.",
    )
    join_policy = forms.ChoiceField(
        choices=Community.JOIN_POLICIES, label="Who can join", widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MAX_QUESTIONS):
            self.fields[f"question_{i}"] = forms.CharField(
                max_length=MAX_QUESTION_CHARS, required=False, label=f"Screening question {i + 1}"
            )

    @staticmethod
    def initial_for(community: Community) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(community, name)
            for name in (
                "name",
                "tagline",
                "mission",
                "values",
                "code_of_conduct",
                "accent_color",
                "landing_public",
            )
        }
        initial["join_policy"] = community.join_policy
        for i, question in enumerate((community.screening_questions or [])[:MAX_QUESTIONS]):
            initial[f"question_{i}"] = question
        return initial

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"question_{i}"] for i in range(MAX_QUESTIONS)]

    def action_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in (
                "name",
                "tagline",
                "mission",
                "values",
                "code_of_conduct",
                "accent_color",
                "landing_public",
                "join_policy",
            )
        }
        kwargs["screening_questions"] = [data[f"question_{i}"] for i in range(MAX_QUESTIONS)]
        kwargs["remove_logo"] = data["remove_logo"]
        if data.get("logo"):
            kwargs["logo"] = data["logo"]
        return kwargs


class ApplicationForm(forms.Form):
    """One required answer per screening question."""

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i, question in enumerate(questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                max_length=MAX_ANSWER_CHARS,
                label=question,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={"required": "Please answer this question."},
            )
        self.count = len(questions)

    def answers(self) -> list[str]:
        return [self.cleaned_data.get(f"answer_{i}", "") for i in range(self.count)]


EXPIRY_CHOICES = [("1", "1 day"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("", "Never")]


class InvitationForm(forms.Form):
    email = forms.EmailField(
        required=False,
        label="Email address",
        help_text="Leave empty to create a shareable link instead of sending an email.",
    )
    expires_in_days = forms.TypedChoiceField(
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        initial="7",
        label="Expires after",
    )
    max_uses = forms.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        label="Maximum uses",
        help_text="Empty: unlimited (links only).",
    )
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        label="Add to group",
        empty_label="No group",
    )
    space = forms.ModelChoiceField(
        queryset=Space.objects.none(),
        required=False,
        to_field_name="slug",
        label="Add to space",
        empty_label="No space",
        help_text="Private and secret spaces you moderate can be opened to the invited person.",
    )
    note = forms.CharField(max_length=500, required=False, label="Personal note")

    def __init__(self, *args: Any, spaces: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if spaces is None:
            # Only moderators put invited people into groups and spaces.
            del self.fields["group"]
            del self.fields["space"]
        else:
            field = self.fields["space"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = spaces


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")], label="Decision")
    note = forms.CharField(max_length=500, required=False, label="Note to the applicant")


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[(k, v) for k, v in Membership.ROLES if k != Membership.OWNER], label="Role"
    )


class SuspendForm(forms.Form):
    until = forms.DateTimeField(
        required=False,
        label="Until",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Empty: until someone restores the member.",
    )
    reason = forms.CharField(max_length=500, required=False, label="Reason")


class BanForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, label="Reason")


class BulkMembersForm(forms.Form):
    """The members table's bulk action: what to do with the selected rows (ids come as `ids`)."""

    OPS = [
        ("", "Choose…"),
        ("add_to_group", "Add to group"),
        ("remove_from_group", "Remove from group"),
        ("set_role", "Change role"),
        ("suspend", "Suspend"),
        ("restore", "Restore (lift a suspension or ban)"),
    ]
    op = forms.ChoiceField(choices=OPS, label="Action")
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, to_field_name="slug", label="Group"
    )
    role = forms.ChoiceField(
        choices=[("", "—"), *[(k, v) for k, v in Membership.ROLES if k != Membership.OWNER]],
        required=False,
        label="Role",
    )
    reason = forms.CharField(max_length=500, required=False, label="Reason (for a suspension)")


class GroupForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name")
    description = forms.CharField(max_length=500, required=False, label="Description")


class GroupMemberForm(forms.Form):
    username = forms.CharField(max_length=151, label="Member's @username")

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lstrip("@")


class IntroductionForm(forms.Form):
    introduction = forms.CharField(
        max_length=MAX_INTRODUCTION,
        required=False,
        label="Introduce yourself",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Who are you, what brings you here, what would you like to learn or share? Markdown is supported.",
    )
