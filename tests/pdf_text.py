"""The text of a PDF, read with pypdf (a dependency of the portal itself), so the tests that
read a report's words run everywhere instead of skipping where poppler's pdftotext is missing."""

import io

from pypdf import PdfReader


def pdf_text(payload: bytes, layout: bool = True) -> str:
    """Every page's text followed by a form feed (``\\f``), as pdftotext prints it.

    ``layout=True`` keeps each table row on one line (pypdf's layout mode), so a label and its
    amount can be found on the same line; ``layout=False`` gives the plain reading order, for
    joining wrapped cells again with ``" ".join(text.split())``. No-break spaces come back as
    plain spaces, like pdftotext's output."""
    mode = "layout" if layout else "plain"
    pages = PdfReader(io.BytesIO(payload)).pages
    return "".join(page.extract_text(extraction_mode=mode) + "\f" for page in pages).replace(
        "\u00a0", " "
    )
