"""One way to make a PDF: ``render_to_pdf(template, context) -> (html, pdf_bytes)``.

Open Forms style (``openforms/utils/pdf.py``): WeasyPrint is imported lazily (it is heavy and
needs system libraries only where PDFs are made), and static files are read from disk through
a ``url_fetcher``, never over HTTP, so a PDF renders the same without a running web server.

Long documents: :func:`render_parallel` lays out several HTML documents (e.g. the front
sections and parts of a long annex) in forked processes at once, merges them with pypdf and
stamps "pagina N van M" on every page. WeasyPrint's layout is single-threaded and costs about
the same per table row whatever the document's length, so two processes on two cores take about
half the time of one (measured in bench/report_bench.py).
"""

import io
import mimetypes
import os
import pickle
import tempfile
import traceback
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


def static_url_fetcher(url: str, *args, **kwargs):
    """Serve ``/static/...`` from the static files on disk; refuse anything else (no network)."""
    from weasyprint import default_url_fetcher

    path = urlparse(url).path
    if path.startswith(settings.STATIC_URL):
        absolute = finders.find(path[len(settings.STATIC_URL) :])
        if absolute:
            mime_type, _ = mimetypes.guess_type(absolute)
            with open(absolute, "rb") as f:
                return {"string": f.read(), "mime_type": mime_type or "application/octet-stream"}
    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"PDF resources must be static files, not {url!r}")


# A small user-agent stylesheet for documents that style themselves (the spending report):
# WeasyPrint matches its full HTML5 stylesheet (~250 rules) against every element, which is a
# sixth of the time of a long table. Only what those templates use; measured in
# bench/report_bench.py. Documents with forms, lists of other kinds etc. use the default.
LEAN_UA_CSS = """
html, body, div, section, header, footer, main, nav, h1, h2, h3, h4, p, dl, dt, dd, ul, ol, figure, blockquote, pre { display: block }
head, link, meta, script, style, title, template, [hidden] { display: none }
body { margin: 8px }
li { display: list-item }
ul { list-style-type: disc; padding-left: 40px; margin: 1em 0 }
table { display: table; box-sizing: border-box; border-spacing: 2px; border-collapse: separate; text-indent: initial }
caption { display: table-caption }
colgroup { display: table-column-group }
col { display: table-column }
thead { display: table-header-group }
tbody { display: table-row-group }
tfoot { display: table-footer-group }
tr { display: table-row }
td, th { display: table-cell; padding: 1px }
thead, tbody, tfoot, table > tr { vertical-align: middle }
tr, td, th { vertical-align: inherit }
th, b, strong, h1, h2, h3, h4 { font-weight: bold }
code, pre { font-family: monospace }
pre { white-space: pre }
svg { overflow: hidden }
br::before { content: "\\A"; white-space: pre-line }
"""
_lean_html = None


def _html_class(lean: bool):
    global _lean_html
    from weasyprint import CSS, HTML

    if not lean:
        return HTML
    if _lean_html is None:
        sheet = CSS(string=LEAN_UA_CSS)

        class LeanHTML(HTML):
            # WeasyPrint asks the document for its user-agent stylesheets here (weasyprint 6x-70).
            def _ua_stylesheets(self, forms=False):
                return [sheet]

        _lean_html = LeanHTML
    return _lean_html


def html_to_pdf(html: str, *, lean: bool = False) -> bytes:
    """``lean``: use :data:`LEAN_UA_CSS` instead of WeasyPrint's full HTML5 stylesheet."""
    return _html_class(lean)(string=html, base_url="/", url_fetcher=static_url_fetcher).write_pdf()


def render_to_pdf(template_name: str, context: dict) -> tuple[str, bytes]:
    html = render_to_string(template_name, context)
    return html, html_to_pdf(html)


def pdf_workers() -> int:
    """Processes for :func:`render_parallel`: ``PORTAL_PDF_WORKERS`` or the number of CPUs."""
    configured = getattr(settings, "PORTAL_PDF_WORKERS", None)
    return max(1, int(configured or os.cpu_count() or 1))


def render_parallel(
    htmls: list[str], *, workers: int | None = None, page_numbers: bool = True, lean: bool = False
) -> bytes:
    """Render ``htmls`` (in order) to one PDF. With more than one worker the documents are
    spread over forked child processes (the parent renders its share too), so WeasyPrint is
    imported once and the children start instantly. The parts are merged in order and, with
    ``page_numbers``, every page gets "pagina N van M" at its foot."""
    import weasyprint  # noqa: F401 - import before forking so every child has it

    workers = min(workers or pdf_workers(), len(htmls))
    _html_class(lean)  # build the lean stylesheet before forking, once
    if workers <= 1 or not hasattr(os, "fork"):
        parts = [html_to_pdf(h, lean=lean) for h in htmls]
    else:
        parts = _render_forked(htmls, workers, lean)
    return merge_pdfs(parts, page_numbers=page_numbers)


def _render_forked(htmls, workers, lean):
    # Longest piece first to the least-loaded process (HTML length as the cost estimate);
    # process 0 is this one.
    shares, loads = [[] for _ in range(workers)], [0] * workers
    for i in sorted(range(len(htmls)), key=lambda i: -len(htmls[i])):
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += len(htmls[i])
    children = []
    with tempfile.TemporaryDirectory(prefix="pdf-") as tmp:
        try:
            for k in range(1, workers):
                out = os.path.join(tmp, f"part-{k}.pickle")
                pid = os.fork()
                if (
                    pid == 0
                ):  # child: render, write, leave without running any cleanup of the parent
                    status = 1
                    try:
                        result = {i: html_to_pdf(htmls[i], lean=lean) for i in shares[k]}
                        with open(out, "wb") as f:
                            pickle.dump(("ok", result), f)
                        status = 0
                    except BaseException:  # noqa: BLE001 - report to the parent, whatever it was
                        try:
                            with open(out, "wb") as f:
                                pickle.dump(("error", traceback.format_exc()), f)
                        except BaseException:  # noqa: BLE001
                            pass
                    finally:
                        os._exit(status)
                children.append((pid, out))
            results = {i: html_to_pdf(htmls[i], lean=lean) for i in shares[0]}
            for pid, out in children:
                _pid, status = os.waitpid(pid, 0)
                try:
                    with open(out, "rb") as f:
                        kind, payload = pickle.load(f)
                except FileNotFoundError:
                    raise RuntimeError(f"PDF worker process {pid} died (status {status})") from None
                if kind != "ok":
                    raise RuntimeError(f"PDF worker process failed:\n{payload}")
                results.update(payload)
            children = []
        finally:
            for pid, _out in children:  # on an error in this process: do not leave children behind
                try:
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                except OSError:
                    pass
    return [results[i] for i in range(len(htmls))]


def merge_pdfs(parts: list[bytes], *, page_numbers: bool = True, label: str | None = None) -> bytes:
    """Concatenate PDFs; with ``page_numbers`` stamp "pagina N van M" centred at the foot of
    every page (Helvetica, one small content stream per page: no re-rendering)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    if page_numbers:
        label = label or "pagina {n} van {m}"
        font = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                    NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                }
            )
        )
        save = StreamObject()
        save.set_data(b"q\n")
        save_ref = writer._add_object(save)
        total = len(writer.pages)
        for number, page in enumerate(writer.pages, 1):
            resources = page.get("/Resources")
            resources = resources.get_object() if resources is not None else DictionaryObject()
            page[NameObject("/Resources")] = resources
            fonts = resources.get("/Font")
            fonts = fonts.get_object() if fonts is not None else DictionaryObject()
            resources[NameObject("/Font")] = fonts
            fonts[NameObject("/PortalPageNo")] = font
            box = page.mediabox
            text = label.format(n=number, m=total)
            size = 8
            x = (
                float(box.left) + (float(box.width) - len(text) * size * 0.5) / 2
            )  # Helvetica ~0.5 em per glyph
            stamp = StreamObject()
            stamp.set_data(
                f"Q\nq BT /PortalPageNo {size} Tf 0.31 0.36 0.4 rg {x:.1f} {float(box.bottom) + 22:.1f} Td ({text}) Tj ET Q\n".encode(
                    "latin-1"
                )
            )
            contents = page.get("/Contents")
            existing = contents.get_object() if contents is not None else ArrayObject()
            existing = list(existing) if isinstance(existing, ArrayObject) else [contents]
            page[NameObject("/Contents")] = ArrayObject(
                [save_ref, *existing, writer._add_object(stamp)]
            )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
