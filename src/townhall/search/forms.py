"""The search form: the filters every document has, and those the registered types add."""

from __future__ import annotations

from typing import Any

from django import forms

from townhall.core.registries import search_types
from townhall.search.queries import MAX_PAGES, MAX_QUERY_CHARS


def type_filter_fields() -> dict[str, forms.Field]:
    """A field for every filter a registered type understands (a name two types share appears once)."""
    fields: dict[str, forms.Field] = {}
    for search_type in search_types:
        for name, search_filter in search_type.filters.items():
            fields.setdefault(name, search_filter.field())
    return fields


class SearchForm(forms.Form):
    q = forms.CharField(
        max_length=MAX_QUERY_CHARS,
        required=False,
        label="Search for",
        error_messages={
            "max_length": (
                f"Searches are at most {MAX_QUERY_CHARS} characters long (this one has %(show_value)s). "
                "Try a few distinctive words instead."
            )
        },
    )
    type = forms.ChoiceField(required=False, label="Show")
    space = forms.CharField(max_length=90, required=False, label="Space (slug)")
    author = forms.CharField(max_length=150, required=False, label="Author (username)")
    after = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGES, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(t.key, t.label) for t in search_types]
        type_field = self.fields["type"]
        type_field.choices = [("", "Everything"), *choices]  # type: ignore[attr-defined]
        if len(choices) < 2:
            type_field.widget = forms.HiddenInput()
        # The types' own filters go after the author, before the dates.
        extra = type_filter_fields()
        ordered: dict[str, forms.Field] = {}
        for name, form_field in self.fields.items():
            if name == "after":
                ordered.update(extra)
            ordered[name] = form_field
        self.fields = ordered
        self.type_filters = list(extra)

    def by_type(self) -> dict[str, Any]:
        """The cleaned values of the types' own filters that were given."""
        return {name: self.cleaned_data.get(name) for name in self.type_filters}

    def has_filters(self) -> bool:
        """Whether any visible filter besides the words was given (the filters start unfolded)."""
        return any(
            self[name].value() not in (None, "")
            for name, form_field in self.fields.items()
            if name != "q" and not form_field.widget.is_hidden
        )

    def hidden_errors(self) -> list[str]:
        """Errors of hidden fields (a topic number, the page) and of the form as a whole."""
        errors = [str(e) for e in self.non_field_errors()]
        for bound in self.hidden_fields():
            errors += [str(e) for e in bound.errors]
        return errors
