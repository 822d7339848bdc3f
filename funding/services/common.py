"""Helpers shared by the write services: optimistic locking and lookups for imports."""

from django.db.models import F
from django.utils.translation import gettext as _

from portal.exceptions import ApplicationError

STALE_MESSAGE = _(
    "Iemand anders heeft dit record gewijzigd nadat u het opende. Uw wijziging is niet opgeslagen: "
    "open het opnieuw om de actuele gegevens te zien."
)


def save_versioned(instance, *, version, fields):
    """Write ``fields`` of ``instance`` only if the stored version is still ``version``; the
    second of two concurrent edits is refused instead of silently overwriting the first."""
    model = type(instance)
    values = {name: getattr(instance, model._meta.get_field(name).attname) for name in fields}
    updated = model._base_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        raise ApplicationError(str(STALE_MESSAGE))
    instance.version = version + 1
    return instance
