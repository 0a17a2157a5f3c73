"""Forms for a person's profile and account settings.

`ProfileForm` only validates; `accounts.actions.update_profile` does the write (and uses this form too,
so the web page, onboarding and the API share one set of rules).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.text import slugify

from townhall.accounts.models import TIME_ZONES, AccessToken, Interest, User
from townhall.accounts.validators import username_validators

MAX_LINKS = 5
MAX_LINK_LENGTH = 200
MAX_INTERESTS = 20
MAX_INTEREST_LENGTH = 40
MAX_NEW_INTERESTS_TEXT = 2000

_url_validator = URLValidator(schemes=["http", "https"])


class LinksField(forms.Field):
    """Up to five http(s) links: one per line in the form, or a list of strings from the API."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):
            items = value.splitlines()
        elif isinstance(value, list | tuple):
            items = [str(v) for v in value]
        else:
            raise ValidationError("Give your links as a list, one per line.")
        return [item.strip() for item in items if item.strip()]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_LINKS:
            raise ValidationError(f"Add at most {MAX_LINKS} links.")
        for link in value:
            if len(link) > MAX_LINK_LENGTH:
                raise ValidationError(f"Keep each link under {MAX_LINK_LENGTH} characters.")
            try:
                _url_validator(link)
            except ValidationError:
                raise ValidationError(
                    f"“{link[:60]}” is not a web address starting with http:// or https://."
                ) from None


def split_interest_names(text: str) -> list[str]:
    """'Deep sky, comets ,, Mars' -> ['Deep sky', 'comets', 'Mars'] (blank entries dropped)."""
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


class ProfileForm(forms.Form):
    """A person's public profile. Build it with the person: ``ProfileForm(data, user=user)``.

    After validation, ``cleaned_data["interest_names"]`` is the full list of interest names to keep
    (chosen featured ones first, then typed ones), de-duplicated case-insensitively.
    """

    display_name = forms.CharField(
        max_length=80, required=False, label="Display name", help_text="How your name appears to others."
    )
    username = forms.CharField(
        max_length=30,
        label="Username",
        help_text="3 to 30 letters, digits or underscores; people can mention you as @username.",
        validators=username_validators,
    )
    bio = forms.CharField(
        max_length=4000,
        required=False,
        label="About you",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown is supported.",
    )
    location = forms.CharField(max_length=100, required=False, label="Location")
    time_zone = forms.ChoiceField(
        choices=[("", "Not set")] + [(tz, tz) for tz in TIME_ZONES], required=False, label="Time zone"
    )
    links = LinksField(required=False, label="Links", help_text="Up to 5 web addresses, one per line.")
    interests = forms.MultipleChoiceField(
        required=False, label="Interests", widget=forms.CheckboxSelectMultiple, choices=[]
    )
    new_interests = forms.CharField(
        max_length=MAX_NEW_INTERESTS_TEXT,
        required=False,
        label="Other interests",
        help_text=f"Separate them with commas (up to {MAX_INTERESTS} interests in all).",
    )
    can_help_with = forms.CharField(max_length=300, required=False, label="I can help with")
    looking_for = forms.CharField(max_length=300, required=False, label="I'm looking for")

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        user: User | None = None,
        instance: User | None = None,
        **kwargs: Any,
    ) -> None:
        self.user = user or instance
        if self.user is None:
            raise TypeError(
                "ProfileForm needs the person whose profile it edits: ProfileForm(data, user=user)"
            )
        self.featured = list(Interest.objects.filter(featured=True).order_by("name"))
        kwargs.setdefault("initial", profile_initial(self.user, featured=self.featured))
        super().__init__(data, *args, **kwargs)
        field = self.fields["interests"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(i.slug, i.name) for i in self.featured]
        if not self.featured:
            # No community list yet: one free-text field says it all.
            del self.fields["interests"]
            self.fields["new_interests"].label = "Interests"

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        taken = User.objects.filter(username__iexact=username)
        if self.user is not None and self.user.pk is not None:
            taken = taken.exclude(pk=self.user.pk)
        if taken.exists():
            raise ValidationError("That @username is taken; try another.")
        return username

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())

    def clean_new_interests(self) -> list[str]:
        names = split_interest_names(self.cleaned_data["new_interests"])
        for name in names:
            if len(name) > MAX_INTEREST_LENGTH:
                raise ValidationError(
                    f"Keep each interest under {MAX_INTEREST_LENGTH} characters (“{name[:40]}…”)."
                )
            if not slugify(name):
                raise ValidationError(f"“{name}” needs at least one letter or digit.")
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        by_slug = {i.slug: i.name for i in self.featured}
        names = [by_slug[s] for s in cleaned.get("interests", []) if s in by_slug]
        names += cleaned.get("new_interests", []) or []
        unique: dict[str, str] = {}
        for name in names:
            unique.setdefault(slugify(name), name)
        if len(unique) > MAX_INTERESTS:
            self.add_error("new_interests", f"Choose at most {MAX_INTERESTS} interests.")
        cleaned["interest_names"] = list(unique.values())
        return cleaned


def profile_initial(user: User, *, featured: list[Interest] | None = None) -> dict[str, Any]:
    """The form values that describe the profile as it is now."""
    if featured is None:
        featured = list(Interest.objects.filter(featured=True))
    featured_ids = {i.pk for i in featured}
    mine = list(user.interests.all()) if user.pk else []
    return {
        "display_name": user.display_name,
        "username": user.username,
        "bio": user.bio,
        "location": user.location,
        "time_zone": user.time_zone,
        "links": list(user.links or []),
        "interests": [i.slug for i in mine if i.pk in featured_ids],
        "new_interests": ", ".join(i.name for i in mine if i.pk not in featured_ids),
        "can_help_with": user.can_help_with,
        "looking_for": user.looking_for,
    }


class AvatarForm(forms.Form):
    avatar = forms.FileField(label="New picture", help_text="A JPEG, PNG, GIF or WebP image up to 5 MB.")


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, label="Name", help_text="What the token is for, e.g. “Calendar sync”."
    )
    scope = forms.ChoiceField(choices=AccessToken.SCOPES, initial=AccessToken.READ, label="Scope")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=200,
    )
