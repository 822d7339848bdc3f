"""Labels people read for the findings' machine keys (issue 12 §1); also the template filters
``subject_label`` and ``theme_label`` (funding/templatetags/funding_labels.py).

Findings name their subjects with machine keys (``booking:2023-000140``,
``grant:ZOMERSCHOOL-2024``, ``activity:GM1952/LEES-01``, ``need:92LB00/2023-2024/zorg``), which
stay in the JSON/CSV interchange files; pages show "Boeking 2023-000140"."""

from django.utils.translation import gettext as _

from portal.domain import Theme


def subject_label(subject: str) -> str:
    """The label of a subject key; an unknown kind shows its value without the key."""
    kind, _sep, value = str(subject).partition(":")
    if kind == "booking":
        return _("Boeking %(id)s") % {"id": value}
    if kind == "grant":
        return _("Beschikking %(reference)s") % {"reference": value}
    if kind == "activity":
        owner, _sep, code = value.partition("/")
        return _("Activiteit %(code)s (%(owner)s)") % {"code": code or owner, "owner": owner}
    if kind == "need":
        school, year, theme = (value.split("/") + ["", "", ""])[:3]
        label = Theme(theme).label if theme in Theme.values else theme
        return _("Behoefte %(theme)s van %(school)s in %(year)s") % {
            "theme": label,
            "school": school,
            "year": year,
        }
    return value or kind


def theme_label(code: str) -> str:
    """A theme code's label ("zorg" -> "jeugdhulp en zorg in de school")."""
    return Theme(code).label if code in Theme.values else code
