"""CSV and XLSX exports: Dutch Excel notation, typed cells, and formula-injection safe text
(OWASP advice).

Memory stays flat in the number of rows (issue 14 §4): a CSV streams (StreamingHttpResponse);
an XLSX of more than ``PORTAL_EXPORT_XLSX_JOB_ROWS`` rows (default 50,000) is not built in the
request but by a background job (:class:`~portal.models.ExportJob`, run through portal.jobs):
the user gets a page with its progress and then a download. The job runs the same list view
again, for the same user and filters, so the file holds the rows the direct download would;
openpyxl's write-only mode writes them to disk as they come.
"""

import csv
import io
import logging
import tempfile
from collections.abc import Iterable
from datetime import date as Date
from datetime import datetime, time
from decimal import Decimal
from itertools import chain, islice

import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import get_scope, scope
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .http import tenant_reverse
from .jobs import enqueue
from .middleware import municipality_access
from .models import ExportJob

logger = logging.getLogger(__name__)

# --- exports -----------------------------------------------------------------

CENT = Decimal("0.01")

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise spreadsheet formula injection in exported text (OWASP advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _local(value):
    """Aware datetimes as local wall-clock time: spreadsheets have no time zones."""
    if isinstance(value, datetime) and value.tzinfo:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _csv_text(value) -> str:
    """Dutch Excel notation (decimal comma, ja/nee), which read_table reads back.

    Numbers, negative ones included, are not formulas and skip safe_cell.
    """
    value = _local(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, Decimal):
        # Amounts to the cent even where the database dropped the scale (SQLite's SUM gives
        # 4000 and 87250.5); more decimals stay as they are.
        if value.is_finite() and value.as_tuple().exponent > -2:
            value = value.quantize(CENT)
        return format(value, "f").replace(".", ",")  # never exponent notation
    if isinstance(value, (int, float)):
        return str(value).replace(".", ",")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (Date, time)):
        return value.isoformat()
    return safe_cell(str(value))


def _xlsx_value(value):
    """Numbers and dates stay typed, so Excel can sum and sort them."""
    value = _local(value)
    if value is None or isinstance(value, (int, float, Decimal, Date, time)):
        return value
    return safe_cell(str(value))


class _Echo:
    """A file-like object whose ``write`` returns the line instead of storing it."""

    def write(self, value):
        return value


def iter_csv(rows: Iterable[Iterable], header: Iterable[str], *, chunk_rows=500):
    """The bytes of write_csv in chunks of ``chunk_rows`` rows, consuming ``rows`` lazily, so
    an export's memory is flat in the number of rows (issue 14 §4). UTF-8 with BOM and ``;``."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode() + writer.writerow([safe_cell(str(h)) for h in header]).encode()
    chunk = []
    for row in rows:
        chunk.append(writer.writerow([_csv_text(value) for value in row]))
        if len(chunk) >= chunk_rows:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()


def write_csv(rows: Iterable[Iterable], header: Iterable[str]) -> bytes:
    """UTF-8 with BOM and ``;``, which Dutch Excel opens without an import wizard."""
    return b"".join(iter_csv(rows, header))


def _in_current_scope(chunks):
    """Run the generator ``chunks`` under the tenant scope of the request that made it: a
    streamed body is produced after the view (and the middleware's scope) returned."""
    current = {k: v for k, v in get_scope().items() if k != "_enabled"}
    enabled = get_scope().get("_enabled", True)

    def produce():
        with scope(_enabled=enabled, **current):
            yield from chunks

    return produce()


def csv_response(rows: Iterable[Iterable], header: Iterable[str], name: str):
    """A streamed CSV download ``<name>.csv`` (StreamingHttpResponse over iter_csv): pass a
    lazy ``rows`` (a queryset's ``iterator()``) to keep memory flat."""
    response = StreamingHttpResponse(
        _in_current_scope(iter_csv(rows, header)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# Readable spreadsheets (issue 12 §6): amounts as numbers in euro, dates as dates, columns as
# wide as their content, the header row bold, frozen and with an autofilter.
EURO_FORMAT = "[$€-413] #,##0.00;[$€-413] -#,##0.00"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
DATE_FORMAT = "DD-MM-YYYY"
DATETIME_FORMAT = "DD-MM-YYYY HH:MM"
_WIDTH_SAMPLE = 500  # rows measured for the column widths (a streaming sheet sets them first)


def _number_format(value, header: str):
    """The Excel number format of a typed cell: Decimals are euro amounts unless the column
    header says they are a percentage, a share or a count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, Date):
        return DATE_FORMAT
    if isinstance(value, Decimal):
        return DECIMAL_FORMAT if "%" in header else EURO_FORMAT
    if isinstance(value, int):
        return INTEGER_FORMAT
    return None


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (Date, datetime)):
        return 16 if isinstance(value, datetime) else 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 3
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(rows: Iterable[Iterable], header: Iterable[str], sheet_title="Export") -> bytes:
    """A streaming (write-only) workbook with one sheet (``add_sheet``)."""
    workbook = openpyxl.Workbook(write_only=True)
    add_sheet(workbook, rows, header, sheet_title)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def add_sheet(workbook, rows: Iterable[Iterable], header: Iterable[str], title: str):
    """Append a sheet to a write-only ``workbook``: ``header`` as a bold, frozen row with an
    autofilter; numbers and dates as typed cells with nl-NL formats (euro for Decimals, see
    ``_number_format``); column widths from the header and the first 500 rows (capped at 60
    characters). ``rows``: any iterable of value sequences, consumed once. Text is
    formula-injection safe (``safe_cell``)."""
    header = [str(h) for h in header]
    rows = iter(rows)
    sample = [[_xlsx_value(v) for v in row] for row in islice(rows, _WIDTH_SAMPLE)]
    sheet = workbook.create_sheet(title=str(title)[:31])  # Excel's limit
    for i, title in enumerate(header):
        width = max([len(title)] + [_display_width(r[i]) for r in sample if i < len(r)])
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for values in chain(sample, ([_xlsx_value(v) for v in row] for row in rows)):
        out = []
        for i, value in enumerate(values):
            number_format = _number_format(value, header[i] if i < len(header) else "")
            if number_format:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return sheet


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_job_rows() -> int:
    """Above this many rows an XLSX is built by a job (``PORTAL_EXPORT_XLSX_JOB_ROWS``)."""
    return int(getattr(settings, "PORTAL_EXPORT_XLSX_JOB_ROWS", 50_000))


def export_response(
    rows, header, name: str, fmt: str, *, sheet_title: str | None = None, request=None, count=None
):
    """A CSV (``fmt == "csv"``, streamed: csv_response) or XLSX download named
    ``<name>.<fmt>`` of ``rows`` under ``header`` (formula-injection safe, Dutch Excel notation:
    iter_csv / write_xlsx).

    With the ``request`` of a municipality's page and ``count`` (a callable giving the number
    of rows, such as the queryset's ``count``; asked only for an XLSX), an XLSX of more than
    :func:`xlsx_job_rows` rows is queued as an :class:`ExportJob` and the answer redirects to
    its progress page. Inside that job (the job's request carries ``export_job``) the same
    call writes the rows into the job's file instead, and answers 204."""
    if fmt == "csv":
        return csv_response(rows, header, name)
    title = sheet_title or name.capitalize()
    job = getattr(request, "export_job", None)
    if job is not None:
        _export_job_write(job, rows, header, title)
        return HttpResponse(status=204)
    access = getattr(request, "access", None)
    if access is not None and access.municipality is not None and count is not None:
        total = count()
        if total > xlsx_job_rows():
            job = export_job_create(request=request, name=name, sheet_title=title, rows=total)
            return redirect(
                tenant_reverse("portal:export_job", access.tenant, export_job_id=job.pk)
            )
    response = HttpResponse(
        write_xlsx(rows, header, sheet_title=title), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- XLSX exports built by a job -----------------------------------------------------------

PROGRESS_EVERY = 5_000  # rows between two progress updates of a running export


def export_job_create(*, request, name: str, sheet_title: str, rows: int) -> ExportJob:
    """Queue the XLSX export of the list page ``request`` asked for (its path and query string,
    for ``request.user`` in ``request.access.municipality``); ``rows`` is the count so far (the
    progress bar's maximum). The job starts once the transaction commits. Returns the job."""
    job = ExportJob.objects.create(
        municipality=request.access.municipality,
        created_by=request.user,
        path=request.path_info,
        query=request.GET.urlencode(),
        name=name[:200],
        sheet_title=str(sheet_title)[:31],
        rows=rows,
    )
    enqueue("portal.tasks.export_job_run", job.pk, municipality=job.municipality)
    return job


def export_job_source_permission(job: ExportJob) -> str:
    """The permission of the list page ``job`` exports (its view's ``permission``). Raises
    Http404 when the path no longer names a page of the job's municipality."""
    try:
        match = resolve(job.path)
    except Resolver404:
        raise Http404 from None
    if match.kwargs.get("municipality") != job.municipality.slug:
        raise Http404
    view_class = getattr(match.func, "view_class", None)
    permission = getattr(view_class or match.func, "permission", None)
    if not permission:
        raise Http404
    return permission


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the file of export job ``job_id``: the list view of its path runs again with its
    query string, for its user with their access as it is now (a user who lost the role or the
    membership gets a failed job, not the data), and writes the rows through
    :func:`export_response`. Idempotent: a finished job is left alone; an interrupted one
    starts again from the first row. Always ends done or failed with a reason."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("municipality", "created_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.finished:
            return job
        job.status, job.progress, job.error = ExportJob.Status.RUNNING, 0, ""
        job.save(update_fields=["status", "progress", "error"])
    try:
        match = resolve(job.path)
        export_job_source_permission(job)
        request = HttpRequest()
        request.method = "GET"
        request.path = request.path_info = job.path
        request.GET = QueryDict(job.query)
        request.user = job.created_by
        request.access = municipality_access(job.created_by, job.municipality)
        request.export_job = job
        match.func(request, *match.args, **match.kwargs)
        job.refresh_from_db()
        if job.status != ExportJob.Status.DONE:
            raise RuntimeError(f"export {job.pk}: the view wrote no file")
    except (Http404, PermissionDenied, Resolver404):
        _export_job_fail(job, _("U heeft geen toegang (meer) tot deze lijst."))
    except Exception:  # noqa: BLE001 - the job must end, whatever went wrong
        logger.exception("export job %s failed", job.pk)
        _export_job_fail(job, _("De export is mislukt door een fout in het portaal."))
    return job


def _export_job_fail(job, reason):
    ExportJob.objects.filter(pk=job.pk).exclude(status=ExportJob.Status.DONE).update(
        status=ExportJob.Status.FAILED, error=str(reason), finished_at=timezone.now()
    )
    job.refresh_from_db()


def _counted(job, rows):
    """``rows`` as they pass, writing the count to the job every PROGRESS_EVERY rows."""
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - count is read after the loop
        if count % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(progress=count)
        yield row
    job.progress = count


def _export_job_write(job, rows, header, title):
    """Write ``rows`` into a write-only workbook on disk (memory flat in the rows) and store it
    as the job's file; the job ends done."""
    workbook = openpyxl.Workbook(write_only=True)
    add_sheet(workbook, _counted(job, rows), header, job.sheet_title or title)
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        workbook.save(handle)
        handle.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        if job.file:
            job.file.delete(save=False)  # a half-written file of an interrupted attempt
        job.file.save(f"{job.name}-{job.pk}-{stamp}.xlsx", File(handle), save=False)
    job.status = ExportJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "progress", "finished_at"])


def export_jobs_cleanup(*, older_than) -> int:
    """Remove export jobs finished before ``older_than`` with their files (exports hold
    personal data: not kept longer than needed), and jobs requested before it that never
    finished (their job was lost for good; the sweeper fails what it gives up, so this is a
    safety net). Cross-tenant: call under scopes_disabled(). Returns the number removed."""
    removed = 0
    stale = Q(finished_at__lt=older_than) | Q(finished_at__isnull=True, created_at__lt=older_than)
    for job in ExportJob.objects.filter(stale).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
