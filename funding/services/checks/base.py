"""What every check shares: the rule list and severities, the derived finding, its key and
fingerprint, and the result of a run."""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from ...models import Finding

RULES = ["F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "P1", "G1"]
SEVERITY = {
    "F1": Finding.Severity.ERROR,
    "F2": Finding.Severity.WARNING,
    "F3": Finding.Severity.ERROR,
    "F4": Finding.Severity.ERROR,
    "F5": Finding.Severity.ERROR,
    "F6": Finding.Severity.WARNING,
    "F7": Finding.Severity.ERROR,
    "F8": Finding.Severity.ERROR,
    "G1": Finding.Severity.INFO,
}
NEED_SEVERITIES = ["moderate", "severe"]

# The data of a booking that a finding on it depends on: when any of it changes, a justified
# finding reopens.
BOOKING_FIELDS = [
    "booking_id",
    "grant__reference",
    "grant__stream__code",
    "date",
    "amount",
    "supplier_key",
    "invoice_key",
    "school__code",
    "school__sector",
    "depreciation_months",
    "new_construction",
    "signed_off_at",
]


@dataclass
class Derived:
    """A finding as a rule derives it, before it meets the stored ones."""

    rule: str
    severity: str
    subjects: list
    message: str
    data: object  # what the fingerprint hashes
    amount: Decimal | None = None
    school_id: int | None = None
    theme: str = ""
    stream_ids: set = field(default_factory=set)

    @cached_property
    def key(self):
        return finding_key(self.rule, self.subjects)

    @cached_property
    def fingerprint(self):
        payload = json.dumps([self.rule, self.data], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


def finding_key(rule: str, subjects) -> str:
    return hashlib.sha256("|".join([rule, *sorted(subjects)]).encode()).hexdigest()


@dataclass
class CheckResult:
    municipality: object
    findings: int = 0
    created: int = 0
    reopened: int = 0
    removed: int = 0
    per_rule: dict = field(default_factory=dict)
    mode: str = "full"  # "full", "incremental" or "unchanged"
    rules: list = field(default_factory=list)  # the rules re-derived


def _booking(row):
    return f"booking:{row['booking_id']}"


def _booking_data(row):
    return {name: row[name] for name in BOOKING_FIELDS}


def _money(value):
    from portal.formatting import format_money

    return format_money(value)
