"""One way to make a PDF: ``render_to_pdf(template, context) -> (html, pdf_bytes)``.

Open Forms style (``openforms/utils/pdf.py``): WeasyPrint is imported lazily (it is heavy and
needs system libraries only where PDFs are made), and static files are read from disk through
a ``url_fetcher``, never over HTTP, so a PDF renders the same without a running web server.
"""

import mimetypes
from urllib.parse import urlparse

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.conf import settings


def static_url_fetcher(url: str, *args, **kwargs):
    """Serve ``/static/...`` from the static files on disk; refuse anything else (no network)."""
    from weasyprint import default_url_fetcher

    path = urlparse(url).path
    if path.startswith(settings.STATIC_URL):
        absolute = finders.find(path[len(settings.STATIC_URL):])
        if absolute:
            mime_type, _ = mimetypes.guess_type(absolute)
            with open(absolute, "rb") as f:
                return {"string": f.read(), "mime_type": mime_type or "application/octet-stream"}
    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"PDF resources must be static files, not {url!r}")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url="/", url_fetcher=static_url_fetcher).write_pdf()


def render_to_pdf(template_name: str, context: dict) -> tuple[str, bytes]:
    html = render_to_string(template_name, context)
    return html, html_to_pdf(html)
