"""The audit trail: one function the write services call (product.md, capability 9)."""

from decimal import Decimal

from .models import AuditEvent


def _plain(value):
    """JSON-safe representation that keeps money exact (Decimal as string, not float)."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def diff(instance, data: dict) -> dict:
    """``{field: [old, new]}`` for the fields in ``data`` whose value differs on ``instance``."""
    changes = {}
    for name, new in data.items():
        old = getattr(instance, name, None)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
    return changes


def audit_log(
    *, actor, action: str, obj, municipality=None, changes: dict | None = None, reason: str = ""
) -> AuditEvent:
    """Record that ``actor`` did ``action`` to ``obj``. ``changes`` maps field names to
    ``[old, new]`` (see :func:`diff`). ``municipality`` defaults to ``obj.municipality``."""
    if municipality is None:
        municipality = getattr(obj, "municipality", None)
    return AuditEvent.objects.create(
        municipality=municipality,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes={k: [_plain(v) for v in pair] for k, pair in (changes or {}).items()},
        reason=reason,
    )
