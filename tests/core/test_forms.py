from django import forms

from townhall.core.errors import Invalid
from townhall.core.forms import add_invalid_to_form


class NameForm(forms.Form):
    name = forms.CharField()


def test_field_errors_go_on_their_fields() -> None:
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_invalid_to_form(form, Invalid("Name taken.", field_errors={"name": ["That name is taken."]}))
    assert form.errors == {"name": ["That name is taken."]}


def test_errors_for_unknown_fields_become_a_form_wide_message() -> None:
    form = NameForm({"name": "x"})
    assert form.is_valid()
    add_invalid_to_form(form, Invalid("Slow down.", field_errors={"elsewhere": ["no"]}))
    assert form.non_field_errors() == ["Slow down."]
