"""What changed since the last check run (issue 14 §2): every audited write that can change the
findings leaves a ``CheckChange`` row naming the rules it can affect; an incremental run
re-derives only those rules and consumes the rows it read.

Which writes touch which rules follows the rules' inputs in checks.md: lines and grants feed
the financial rules F1-F8 (a line's finding data includes its grant's reference and window, F5
and F8 sum a grant's lines); activities feed the reach table and so P1 and G1; scans and needs
feed G1 only; a school's sector feeds F4, the lines' data and the reach table, so a school write
re-derives everything. An action not listed re-derives everything too.
"""

from portal.models import Municipality

from ...models import CheckChange, CheckState
from .base import RULES

# Bump when a rule's logic changes: every municipality's next run is then a full run.
RULES_VERSION = "2026-12-01"

REACH = "reach"
FINANCIAL = frozenset({"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8"})
PROGRAMME = frozenset({REACH, "P1", "G1"})
EVERYTHING = frozenset(RULES) | {REACH}

ACTION_RULES = {
    "expenditure.create": FINANCIAL,
    "expenditure.update": FINANCIAL,
    "expenditure.sign_off": FINANCIAL,
    "expenditures.import": FINANCIAL,
    "grant.create": FINANCIAL,
    "grant.update": FINANCIAL,
    "grant.import": FINANCIAL,
    "grants.import": FINANCIAL,
    "activity.create": PROGRAMME,
    "activity.update": PROGRAMME,
    "activities.import": PROGRAMME,
    "scan.intervention_save": PROGRAMME,
    "scan.intervention_delete": PROGRAMME,
    "scan.submit": frozenset({"G1"}),
    "scan.review": frozenset({"G1"}),
    "scan.return": frozenset({"G1"}),
    "scan.needs_update": frozenset({"G1"}),
    "needs.import": frozenset({"G1"}),
    "school.update": EVERYTHING,
    "schools.import": EVERYTHING,
}


def rules_for_action(action: str) -> frozenset:
    """The rule codes (and ``"reach"``) an audited ``action`` can change; all for unknown ones."""
    return ACTION_RULES.get(action, EVERYTHING)


def change_record(*, municipality_id: int, action: str) -> CheckChange:
    """Note that ``action`` wrote data of the municipality (one INSERT, in the caller's
    transaction, so the change is recorded exactly when the write commits)."""
    rules = ",".join(sorted(rules_for_action(action)))
    return CheckChange.objects.create(municipality_id=municipality_id, rules=rules, action=action)


def change_record_everywhere(*, action: str) -> int:
    """A write that every municipality's findings depend on (a funding stream: its window,
    sectors, carry-over cap and code feed F3-F8 and the messages of P1): one row per
    municipality, all rules. Returns the number of rows."""
    rules = ",".join(sorted(EVERYTHING))
    rows = [
        CheckChange(municipality_id=pk, rules=rules, action=action)
        for pk in Municipality.objects.values_list("pk", flat=True)
    ]
    CheckChange.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def changes_pending(municipality) -> tuple[list[int], set[str]]:
    """The ids of the municipality's unconsumed changes and the union of their rules (one
    indexed query). A run deletes exactly these ids afterwards, so a change committed while it
    runs is left for the next run."""
    ids, rules = [], set()
    for pk, names in CheckChange.objects.filter(municipality=municipality).values_list(
        "pk", "rules"
    ):
        ids.append(pk)
        rules.update(names.split(","))
    return ids, rules


def needs_full_run(municipality) -> bool:
    """True when the municipality was never checked in full with this version of the rules."""
    return not CheckState.objects.filter(municipality=municipality, version=RULES_VERSION).exists()
