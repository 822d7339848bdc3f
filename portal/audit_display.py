"""The audit trail as people read it (issue 12 §1): each event's action as a sentence
("Uitnodiging verstuurd aan a@b.nl"), its changed fields by their labels and its values by
their labels ("Rol: – → schooldirecteur"). The machine keys (``invitation.create``,
``school_director``) stay in the stored event and in exports for interchange."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .domain import Severity, Theme
from .models import Role

# action key -> sentence with %(object)s (the object as it was described when it was logged)
ACTIONS = {
    "invitation.create": gettext_lazy("Uitnodiging verstuurd aan %(object)s"),
    "invitation.resend": gettext_lazy("Uitnodiging opnieuw verstuurd aan %(object)s"),
    "invitation.accept": gettext_lazy("Uitnodiging geaccepteerd door %(object)s"),
    "membership.remove": gettext_lazy("Rol ingetrokken: %(object)s"),
    "school.update": gettext_lazy("School gewijzigd: %(object)s"),
    "schools.import": gettext_lazy("Scholen geïmporteerd: %(object)s"),
    "weights.import": gettext_lazy("Schoolweging geïmporteerd: %(object)s"),
    "needs.import": gettext_lazy("Behoeften geïmporteerd: %(object)s"),
    "scan.create": gettext_lazy("Schoolscan begonnen: %(object)s"),
    "scan.submit": gettext_lazy("Schoolscan ingediend: %(object)s"),
    "scan.review": gettext_lazy("Schoolscan beoordeeld: %(object)s"),
    "scan.return": gettext_lazy("Schoolscan teruggestuurd: %(object)s"),
    "scan.needs_update": gettext_lazy("Behoeften in schoolscan gewijzigd: %(object)s"),
    "scan.intervention_save": gettext_lazy("Interventie opgeslagen in schoolscan: %(object)s"),
    "scan.intervention_delete": gettext_lazy("Interventie verwijderd uit schoolscan: %(object)s"),
    "scan.document_upload": gettext_lazy("Document toegevoegd aan schoolscan: %(object)s"),
    "grant.create": gettext_lazy("Beschikking vastgelegd: %(object)s"),
    "grant.update": gettext_lazy("Beschikking gewijzigd: %(object)s"),
    "grant.import": gettext_lazy("Beschikking geïmporteerd: %(object)s"),
    "grants.import": gettext_lazy("Beschikkingen geïmporteerd: %(object)s"),
    "activity.create": gettext_lazy("Activiteit vastgelegd: %(object)s"),
    "activity.update": gettext_lazy("Activiteit gewijzigd: %(object)s"),
    "activities.import": gettext_lazy("Activiteiten geïmporteerd: %(object)s"),
    "expenditure.create": gettext_lazy("Besteding vastgelegd: %(object)s"),
    "expenditure.update": gettext_lazy("Besteding gewijzigd: %(object)s"),
    "expenditure.sign_off": gettext_lazy("Besteding afgetekend: %(object)s"),
    "expenditures.import": gettext_lazy("Bestedingen geïmporteerd: %(object)s"),
    "checks.run": gettext_lazy("Controles uitgevoerd: %(object)s"),
    "finding.resolved": gettext_lazy("Bevinding opgelost: %(object)s"),
    "finding.justified": gettext_lazy("Bevinding verantwoord: %(object)s"),
    "finding.open": gettext_lazy("Bevinding heropend: %(object)s"),
    "finding.reopen": gettext_lazy("Bevinding heropend: %(object)s"),
    "report.request": gettext_lazy("Rapportage aangevraagd: %(object)s"),
    "report.retry": gettext_lazy("Rapportage opnieuw aangevraagd: %(object)s"),
    "period.lock": gettext_lazy("Periode afgesloten: %(object)s"),
    "period.reopen": gettext_lazy("Periode heropend: %(object)s"),
    "meeting.create": gettext_lazy("Overleg gepland: %(object)s"),
    "meeting.update": gettext_lazy("Overleg gewijzigd: %(object)s"),
    "meeting.participant_add": gettext_lazy("Deelnemer toegevoegd aan overleg: %(object)s"),
    "meeting.participant_remove": gettext_lazy("Deelnemer verwijderd uit overleg: %(object)s"),
    "meeting.attachment_add": gettext_lazy("Bijlage toegevoegd aan overleg: %(object)s"),
    "meeting.send_agenda": gettext_lazy("Agenda verstuurd: %(object)s"),
    "meeting.send_minutes": gettext_lazy("Verslag verstuurd: %(object)s"),
    "meeting_series.create": gettext_lazy("Overlegreeks aangemaakt: %(object)s"),
    "standing_item.create": gettext_lazy("Vast agendapunt toegevoegd: %(object)s"),
    "standing_item.delete": gettext_lazy("Vast agendapunt verwijderd: %(object)s"),
    "agenda_item.create": gettext_lazy("Agendapunt toegevoegd: %(object)s"),
    "agenda_item.delete": gettext_lazy("Agendapunt verwijderd: %(object)s"),
    "decision.create": gettext_lazy("Besluit vastgelegd: %(object)s"),
    "action.create": gettext_lazy("Actiepunt aangemaakt: %(object)s"),
    "action.update": gettext_lazy("Actiepunt gewijzigd: %(object)s"),
    "action.progress": gettext_lazy("Voortgang van actiepunt bijgewerkt: %(object)s"),
    "action.review": gettext_lazy("Actiepunt besproken: %(object)s"),
}


def action_sentence(event) -> str:
    """The event's action as a sentence; an action without a sentence here shows the object
    with a generic verb (never the key)."""
    template = ACTIONS.get(event.action)
    if template is None:
        return _("Gewijzigd: %(object)s") % {"object": event.object_repr}
    return str(template) % {"object": event.object_repr}


# change keys that are not fields of the object (a scan's interventions and their funding)
CHANGE_LABELS = {
    "intervention": gettext_lazy("Interventie"),
    "funding": gettext_lazy("Financiering"),
}


def _field(event, name):
    try:
        model = apps.get_model(event.object_type)
        return model._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def field_label(event, name: str) -> str:
    """A changed field's label: a theme's label, the model field's verbose name, or the name
    with underscores as spaces."""
    if name in Theme.values:
        return capfirst(Theme(name).label)
    if name in CHANGE_LABELS:
        return capfirst(str(CHANGE_LABELS[name]))
    field = _field(event, name)
    if field is not None and hasattr(field, "verbose_name"):
        return capfirst(str(field.verbose_name))
    return capfirst(name.replace("_", " "))


def value_label(event, name: str, value) -> str:
    """A changed value as people read it: "–" for nothing, ja/nee, choice labels."""
    if value in (None, "", []):
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, list):
        return ", ".join(value_label(event, name, v) for v in value)
    field = _field(event, name)
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    for choices in (Role, Severity, Theme):
        if isinstance(value, str) and value in choices.values:
            return str(choices(value).label)
    return str(value)


def changes(event) -> list[tuple[str, str, str]]:
    """``[(field label, old, new)]`` of the event's changes."""
    return [
        (
            field_label(event, name),
            value_label(event, name, pair[0]),
            value_label(event, name, pair[1]),
        )
        for name, pair in (event.changes or {}).items()
        if isinstance(pair, (list, tuple)) and len(pair) == 2
    ]
