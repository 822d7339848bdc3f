"""portal.db.ChoiceLabels: ``get_<field>_display()`` from a table built once per field (issue 14)
answers what Django's own does, in the active language, also for a value that is no choice."""

import pytest
from django.db import models
from django.utils import translation

from meetings.models import ActionItem, ActionReview, Meeting


@pytest.mark.parametrize(
    ("model", "name"),
    [(ActionItem, "status"), (ActionItem, "theme"), (ActionReview, "status"), (Meeting, "type")],
)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_display_is_djangos_in_the_active_language(model, name, language):
    field = model._meta.get_field(name)
    values = [value for value, _label in field.flatchoices] + ["geen-keuze"]
    with translation.override(language):
        for value in values:
            obj = model(**{name: value})
            ours = getattr(obj, f"get_{name}_display")()
            assert ours == models.Model._get_FIELD_display(obj, field)
            assert isinstance(ours, str)


def test_labels_follow_the_language_after_the_table_is_built():
    action = ActionItem(status=ActionItem.Status.IN_PROGRESS)
    with translation.override("nl"):
        assert action.get_status_display() == "in uitvoering"
    with translation.override("en"):
        assert action.get_status_display() != "in uitvoering"
