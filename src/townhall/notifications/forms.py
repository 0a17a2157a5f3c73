"""Forms of the notification settings page (the centre's buttons carry no input but a filter)."""

from __future__ import annotations

from django import forms

from townhall.notifications.models import DIGESTS

DELAYS = [
    (0, "Right away"),
    (5, "After 5 minutes"),
    (10, "After 10 minutes"),
    (30, "After 30 minutes"),
    (60, "After an hour"),
    (240, "After 4 hours"),
    (1440, "After a day"),
]
PAUSES = [("day", "Pause for 1 day"), ("week", "Pause for 1 week"), ("forever", "Pause until I resume")]


def delay_choices(current: int) -> list[tuple[int, str]]:
    """The offered delays, plus the member's own when they set another one through the API."""
    if current in dict(DELAYS):
        return DELAYS
    return sorted([*DELAYS, (current, f"After {current} minutes")])


class DeliveryForm(forms.Form):
    email_delay_minutes = forms.TypedChoiceField(
        coerce=int,
        choices=DELAYS,
        label="Email me about what I have not seen",
        help_text="Seeing a notification on the site before then cancels its email.",
    )
    digest = forms.ChoiceField(
        choices=DIGESTS,
        label="Digest of what happened in spaces I follow",
    )
    quiet_from = forms.TimeField(
        required=False,
        label="Quiet hours from",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        required=False, label="until", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args: object, current_delay: int = 10, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["email_delay_minutes"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = delay_choices(current_delay)


class PauseForm(forms.Form):
    pause = forms.ChoiceField(choices=PAUSES)
