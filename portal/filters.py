"""Filter helpers shared by the apps' django-filter filter sets."""

import django_filters
import django_filters.fields
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering filter with labels people read in the interface language.

    django-filter formats "<label> (descending)" once, when the filter set class is built, in
    whatever language is active then, and derives missing labels from field names in English
    ("Booking id"). Here every label is given (``field_labels``, a ``ValueError`` names a
    missing one) and the descending one stays lazy: "Datum (aflopend)" / "Date (descending)".
    """

    descending_fmt = _("{label} (aflopend)")

    def build_choices(self, fields, labels):
        missing = [field for field in fields if field not in labels]
        if missing:
            raise ValueError(f"OrderingFilter: give field_labels for {missing}")
        choices = []
        for field, param in fields.items():
            choices.append((param, labels[field]))
            choices.append(
                (
                    f"-{param}",
                    labels.get(f"-{param}", format_lazy(self.descending_fmt, label=labels[field])),
                )
            )
        return choices


SORT_LABEL = _("Sorteren")


def sort_filter(*options: tuple[str, str, str], label=SORT_LABEL) -> OrderingFilter:
    """The "Sorteren" filter of a list, one option per sortable column.

    ``options``: ``(field, value, label)`` triples: the model field or annotation to order by,
    the value it has in the URL (``?sort=-amount``) and the label people read. Each option also
    gets its descending twin ("Bedrag (aflopend)").
    """
    return OrderingFilter(
        fields=tuple((field, value) for field, value, _label in options),
        field_labels={field: text for field, _value, text in options},
        label=label,
    )


class _ListedChoices(django_filters.fields.ModelChoiceIterator):
    """The options of a model choice filter read in one plain query.

    Django reads them with ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor:
    DECLARE, FETCH and CLOSE, three round trips for a select of a few hundred options, on every
    request of a list page with the select (issue 14). The same choices in the same order: the
    empty choice, django-filter's null choice when it has one, then one per object."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = _ListedChoices


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ``ModelChoiceFilter`` whose select reads its options in one query
    (:class:`_ListedChoices`); use it for every model select of a filter set."""

    field_class = _ListedModelChoiceField
