"""Spending reports (bestedingsrapportage, spending-report.md): content, files, jobs, locking.

The report is computed in three steps, each usable on its own:

1. :func:`collect_report_data` reads everything a report is built from (grants, expenditure
   lines, planned funding, findings, period locks) as plain values, in a fixed order;
2. :func:`data_sha256` hashes a canonical serialisation of that data: the report's identity.
   Same hash => the existing version is returned; another hash => the next version;
3. :func:`compute_report` turns the data into a :class:`ReportContent` dataclass, which the
   PDF templates, the XLSX writer and the tests all use. Every total in it is the sum of its
   lines (computed from them, never looked up separately).

Definitions (also printed in the report):

- *Period*: calendar year T, or without a year the whole window of the grants (from the earliest
  grant start to the latest grant end; open ends are taken from the lines).
- *Grants included*: the municipality's grants of the stream whose window overlaps the period,
  plus any grant with lines booked in the period.
- *Spending in the period*: the sum of the included grants' lines dated in the period (= the
  annex's grand total).
- *Cumulative spending*: the sum of those grants' lines dated up to the end of the period.
- *Committed*: for every activity with planned funding from this stream (``FundingLine.amount``),
  that amount minus what is already spent on the activity from the included grants up to the end
  of the period, never below zero per activity; summed over the activities.
- *Remaining*: total granted (incl. carry-over) minus cumulative spending minus committed.
- *Utilisation*: cumulative spending / total granted x 100.
- *Final accounting*: the latest grant window ends before the report is generated.
"""
