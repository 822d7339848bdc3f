"""templates/django/forms/widgets/select.html writes the options in Python (the select_options
tag, issue 14): the HTML must be Django's own, byte for byte, for every kind of select."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

DJANGO = DjangoTemplates()  # Django's own widget templates, not the project's

CHOICES = [
    ("", "---------"),
    ("a", "Eén & twee"),
    ("b<", mark_safe("<b>vet</b>")),
    (3, 3),
    ("Groep <x>", [("c", "C"), ("d", 'D "quoted"')]),
]


class StarOption(forms.Select):
    option_template_name = "portal/test_star_option.html"


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "b<"),
        (forms.Select(choices=CHOICES, attrs={"required": True, "data-x": 'a"b'}), 3),
        (forms.Select(choices=[]), None),
        (forms.SelectMultiple(choices=CHOICES), ["a", "d"]),
        (forms.NullBooleanSelect(), "true"),
        (forms.Select(choices=[(mark_safe("<i>"), "veilig")]), None),
    ],
)
def test_select_is_djangos_html(widget, value):
    ours = widget.render("veld", value, attrs={"id": "id_veld"})
    theirs = widget.render("veld", value, attrs={"id": "id_veld"}, renderer=DJANGO)
    assert ours == theirs
    assert "<option" in ours or not widget.choices


def test_an_option_with_its_own_template_is_rendered_through_it(tmp_path, settings):
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "test_star_option.html").write_text(
        '<option value="{{ widget.value }}">* {{ widget.label }}</option>'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    html = StarOption(choices=[("a", "A"), ("b", "B")]).render("veld", "a")
    assert '<option value="a">* A</option>' in html and '<option value="b">* B</option>' in html
