"""The checks of checks.md (F1-F7, P1, G1) and the portal's F8 carry-over, all documented in
docs/checks.md: one implementation for the browser's button, the automatic re-run after writes
(funding.freshness), the nightly beat job and ``manage.py check_overlaps``.

Every rule is a grouped query, a join or an ``Exists`` in the database; Python only turns the
rows the database returns into findings. The programme rules work on ``ActivityReach`` (activity
x school x theme with the period), rebuilt for the municipality at the start of a run, so the
pair search of P1 is a self-join and the gap search of G1 an anti-join.

A run then reconciles the derived findings with the stored ones by ``key`` (rule + sorted
subjects): new ones are created; a justified or resolved finding keeps its status while its
``fingerprint`` (a hash of the subjects' data) is unchanged and reopens when it changed; an open
finding that is no longer derived is deleted, a reviewed one is kept but marked inactive.

The package: ``base`` (rule list, ``Derived``, keys), ``financial`` (F1-F8), ``programme`` (the
reach table, P1, G1) and ``run`` (a run, its storage, the queued run, reviews). Callers import
from the package.
"""

from .base import (
    BOOKING_FIELDS,
    NEED_SEVERITIES,
    RULES,
    SEVERITY,
    CheckResult,
    Derived,
    finding_key,
)
from .changes import (
    RULES_VERSION,
    change_record,
    change_record_everywhere,
    changes_pending,
    rules_for_action,
)
from .financial import rule_f1, rule_f2, rule_f3, rule_f4, rule_f5, rule_f6, rule_f7, rule_f8
from .programme import reach_rebuild, rule_g1, rule_p1
from .run import (
    RULE_FUNCTIONS,
    check_run_execute,
    check_run_request,
    checks_run,
    finding_as_dict,
    finding_review,
)

__all__ = [
    "BOOKING_FIELDS",
    "NEED_SEVERITIES",
    "RULES",
    "RULE_FUNCTIONS",
    "SEVERITY",
    "CheckResult",
    "Derived",
    "RULES_VERSION",
    "change_record",
    "change_record_everywhere",
    "changes_pending",
    "check_run_execute",
    "check_run_request",
    "checks_run",
    "finding_as_dict",
    "finding_key",
    "finding_review",
    "reach_rebuild",
    "rules_for_action",
    "rule_f1",
    "rule_f2",
    "rule_f3",
    "rule_f4",
    "rule_f5",
    "rule_f6",
    "rule_f7",
    "rule_f8",
    "rule_g1",
    "rule_p1",
]
