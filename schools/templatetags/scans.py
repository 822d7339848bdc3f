"""Severity shown accessibly: colour (class), a letter and the full word, never colour alone."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from portal.domain import Severity, Theme

register = template.Library()

_LETTERS = {Severity.NONE: "–", Severity.LIMITED: "B", Severity.MODERATE: "M", Severity.SEVERE: "E"}


@register.simple_tag
def severity_cell(need):
    """A heat-map cell: ``<td class="sev sev-severe"><span aria-hidden>E</span> ernstig 28%</td>``."""
    if need is None:
        return format_html(
            '<td class="sev"><span class="visually-hidden">{}</span></td>', _("niet ingevuld")
        )
    share = f" ({need.share_of_pupils.normalize():f}%)" if need.share_of_pupils is not None else ""
    label = Severity(need.severity).label
    return format_html(
        '<td class="sev sev-{}" title="{}{}"><span aria-hidden="true">{}</span><span class="visually-hidden">{}{}</span></td>',
        need.severity,
        label,
        share,
        _LETTERS[need.severity],
        label,
        share,
    )


@register.filter
def severity_badge_class(severity):
    return {"severe": "badge--error", "moderate": "badge--warn", "limited": "badge--info"}.get(
        severity, "badge--muted"
    )


@register.filter
def status_badge_class(status):
    return {
        "submitted": "badge--info",
        "reviewed": "badge--ok",
        "draft": "badge--muted",
        "returned": "badge--warn",
    }.get(status, "badge--muted")


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def latest(items):
    """The last of a prefetched list (``|last`` would index a QuerySet negatively)."""
    items = list(items)
    return items[-1] if items else None


@register.filter
def theme_labels(codes):
    """``["sport", "taal"]`` -> ``"sport en bewegen, taal en lezen"``."""
    labels = dict(Theme.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])
