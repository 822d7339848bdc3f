"""Scan needs per school, school year and theme (interchange.md section 5; ``import_needs``,
the browser import "behoeften uit schoolscans"): the same Need records the scan form writes."""

from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from portal.domain import Severity, Theme
from portal.imports import (
    Column,
    Importer,
    RowError,
    bulk_upsert,
    duplicate_rows,
    labelled_choice,
    location_code,
)

from ..models import Need, Scan, School
from .parsers import not_in_municipality, percentage, school_year


class NeedImporter(Importer):
    """Scan needs (interchange.md section 5): the same Need records the scan form writes.

    A scan that does not exist yet is created as an imported scan (the municipality sees it);
    an existing scan keeps its status and source, only its needs are updated.
    """

    columns = [
        Column("school", required=True, parse=location_code),
        Column("school_year", required=True, parse=school_year),
        # The codes, or the Dutch labels the scan form shows ("taal en lezen", "matig").
        Column("theme", required=True, parse=labelled_choice(Theme)),
        Column("severity", required=True, parse=labelled_choice(Severity)),
        Column("share_of_pupils", parse=percentage),
    ]

    def __init__(self, *, municipality=None):
        self.municipality = municipality

    def validate_all(self, rows):
        errors = duplicate_rows(rows, "school", "school_year", "theme")
        with scopes_disabled():
            schools = {
                code: (pk, m)
                for code, pk, m in School.objects.filter(
                    code__in={r["school"] for r in rows}
                ).values_list("code", "id", "municipality_id")
            }
        for row in rows:
            if row["school"] not in schools:
                errors.append(
                    RowError(row["_line"], "school", str(_("onbekende school %s") % row["school"]))
                )
                continue
            row["school_id"], row["municipality_id"] = schools[row["school"]]
            if self.municipality is not None and row["municipality_id"] != self.municipality.id:
                errors.append(
                    not_in_municipality(row["_line"], "school", row["school"], self.municipality)
                )
        return errors

    def save(self, rows):
        with scopes_disabled():
            keys = {(r["school_id"], r["school_year"]): r["municipality_id"] for r in rows}
            school_ids = {k[0] for k in keys}
            scans = {
                (s.school_id, s.school_year): s.id
                for s in Scan.objects.filter(school_id__in=school_ids).only(
                    "id", "school_id", "school_year"
                )
            }
            new_scans = [
                Scan(
                    school_id=school_id,
                    school_year=year,
                    municipality_id=municipality_id,
                    source=Scan.Source.IMPORT,
                    status=Scan.Status.SUBMITTED,
                )
                for (school_id, year), municipality_id in keys.items()
                if (school_id, year) not in scans
            ]
            if new_scans:
                Scan.objects.bulk_create(new_scans, batch_size=2000)
                for scan in Scan.objects.filter(school_id__in=school_ids).only(
                    "id", "school_id", "school_year"
                ):
                    scans[(scan.school_id, scan.school_year)] = scan.id
            needs = [
                Need(
                    scan_id=scans[(r["school_id"], r["school_year"])],
                    theme=r["theme"],
                    severity=r["severity"],
                    share_of_pupils=r["share_of_pupils"],
                )
                for r in rows
            ]
            # The file has no notes: a note typed in the form survives a re-import.
            return bulk_upsert(Need, needs, ["scan", "theme"], ["severity", "share_of_pupils"])
