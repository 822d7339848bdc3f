"""Bounded uploads: one place that knows how big a file may be and what it really is.

Every upload (imports, scan documents, meeting attachments) is checked here by content, not by
name or declared type, and archives are checked from their zip directory before anything is
unpacked, so a 4.5 MB "spreadsheet" that inflates to 1.5 GB is refused in milliseconds
(issue 13 §3). The limits are settings with sane defaults:

- ``UPLOAD_MAX_FILE_SIZE`` (bytes, default 200 MB): one uploaded file;
- ``ZIP_MAX_UNCOMPRESSED_SIZE`` (bytes, default 500 MB): the members of an XLSX/DOCX together;
- ``ZIP_MAX_RATIO`` (default 100): uncompressed / compressed size of any member;
- ``ZIP_MAX_MEMBERS`` (default 10,000).
"""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls and .doc
PDF_MAGIC = b"%PDF"
BINARY_MAGIC = (PDF_MAGIC, b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf")


class UploadError(ValueError):
    """A file refused for its size or content; ``str()`` is the Dutch message, ``code`` one of
    ``broken``, ``too_large``, ``bomb``, ``type``, ``active`` (scripts, web pages), ``empty``."""

    def __init__(self, message, code="type"):
        super().__init__(message)
        self.code = code


def limit(name: str, default: int) -> int:
    """The setting ``name`` (an int), or ``default`` when it is not set."""
    return int(getattr(settings, name, default))


def max_file_size() -> int:
    return limit("UPLOAD_MAX_FILE_SIZE", 200 * 1024 * 1024)


def file_size_validator(file) -> None:
    """A form field validator: raise ValidationError when ``file`` exceeds
    ``UPLOAD_MAX_FILE_SIZE`` bytes."""
    size = getattr(file, "size", None)
    if size is not None and size > max_file_size():
        raise ValidationError(
            _("Het bestand is te groot (%(size)s; de grens is %(limit)s).")
            % {"size": filesizeformat(size), "limit": filesizeformat(max_file_size())},
            code="file_too_large",
        )


def head(file, size: int = 8192) -> bytes:
    """The first ``size`` bytes of a binary file (or bytes), leaving the position at 0."""
    if isinstance(file, (bytes, bytearray, memoryview)):
        return bytes(file[:size])
    file.seek(0)
    data = file.read(size)
    file.seek(0)
    return data


def check_zip(file) -> zipfile.ZipFile:
    """Open ``file`` (a seekable binary file) as a zip after checking its directory: at most
    ``ZIP_MAX_MEMBERS`` members, ``ZIP_MAX_UNCOMPRESSED_SIZE`` bytes unpacked in all and a
    compression ratio of at most ``ZIP_MAX_RATIO`` per member. Nothing is decompressed.
    Raises UploadError (Dutch message) for a broken zip or one over a limit."""
    try:
        archive = zipfile.ZipFile(file)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadError(_("het bestand is geen geldig Office-bestand (zip)"), "broken") from exc
    if len(members) > limit("ZIP_MAX_MEMBERS", 10_000):
        raise UploadError(_("het bestand bevat te veel onderdelen"), "bomb")
    total = sum(member.file_size for member in members)
    max_total = limit("ZIP_MAX_UNCOMPRESSED_SIZE", 500 * 1024 * 1024)
    if total > max_total:
        raise UploadError(
            _("het bestand is uitgepakt te groot (%(size)s; de grens is %(limit)s)")
            % {"size": filesizeformat(total), "limit": filesizeformat(max_total)}
        )
    ratio = limit("ZIP_MAX_RATIO", 100)
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > ratio * max(
            member.compress_size, 1
        ):
            raise UploadError(
                _(
                    "het bestand is verdacht sterk gecomprimeerd (een 'zip-bom'); het wordt niet geopend"
                ),
                "bomb",
            )
    file.seek(0)
    return archive


def sniff(data: bytes) -> str:
    """What ``data`` (the first bytes of a file) is by content: ``"zip"``, ``"ole"``, ``"pdf"``,
    ``"binary"`` (another binary format, or NUL bytes) or ``"text"``."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(BINARY_MAGIC) or b"\x00" in data:
        return "binary"
    return "text"


# --- documents by content ----------------------------------------------------------------------

#: Zip packages: the member that proves the format (OOXML) and the types ODF declares.
_OOXML = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
_ODF = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
#: Members no office document needs and a browser would run.
_ACTIVE_MEMBERS = (".html", ".htm", ".xhtml", ".js", ".svg", ".hta", ".exe", ".bat", ".vbs")
#: PDF actions that run code or open other things when the file is opened.
_PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia")
_HTML_START = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")


def _zip_kind(file) -> str | None:
    archive = check_zip(file)
    try:
        names = archive.namelist()
        if any(name.lower().endswith(_ACTIVE_MEMBERS) for name in names):
            raise UploadError(_("het bestand bevat webpagina's of scripts"), "active")
        if "[Content_Types].xml" in names:
            for kind, folder in _OOXML.items():
                if any(name.startswith(folder) for name in names):
                    return kind
        if "mimetype" in names:
            declared = archive.read("mimetype")[:100].strip()
            for kind, mimetype in _ODF.items():
                if declared == mimetype:
                    return kind
        return None
    finally:
        file.seek(0)


def _pdf_is_passive(file) -> bool:
    """No JavaScript, launch or embedded-file action anywhere (1 MB chunks with overlap)."""
    file.seek(0)
    tail = b""
    while chunk := file.read(1 << 20):
        window = tail + chunk
        if any(marker in window for marker in _PDF_ACTIVE):
            file.seek(0)
            return False
        tail = window[-32:]
    file.seek(0)
    return True


def document_kind(file) -> str:
    """What a document upload is by content: ``pdf``, ``docx``, ``xlsx``, ``pptx``, ``odt``,
    ``ods``, ``ole`` (legacy .doc/.xls), ``png``, ``jpg`` or ``text`` (plain text, not HTML).
    Zip packages are checked for bombs first (check_zip) and refused when they hold web pages
    or scripts; PDFs with JavaScript, launch or embedded-file actions are refused.
    Raises UploadError with a Dutch message; leaves the file at position 0."""
    data = head(file)
    if not data:
        raise UploadError(_("het bestand is leeg"), "empty")
    if data.startswith(PDF_MAGIC):
        if not _pdf_is_passive(file):
            raise UploadError(
                _("de PDF bevat scripts of ingesloten bestanden; sla hem op zonder (PDF/A)"),
                "active",
            )
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        kind = _zip_kind(file)
        if kind:
            return kind
        raise UploadError(_("het bestand is geen Office-document"), "type")
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if sniff(data) == "text" and not data.lstrip().lower().startswith(_HTML_START):
        return "text"
    raise UploadError(_("dit soort bestand wordt niet geaccepteerd"), "type")


#: File name extensions and the content kinds they may hold.
EXTENSION_KINDS = {
    ".pdf": {"pdf"},
    ".docx": {"docx"},
    ".xlsx": {"xlsx"},
    ".pptx": {"pptx"},
    ".odt": {"odt"},
    ".ods": {"ods"},
    ".doc": {"ole"},
    ".xls": {"ole"},
    ".png": {"png"},
    ".jpg": {"jpg"},
    ".jpeg": {"jpg"},
    ".txt": {"text"},
    ".csv": {"text"},
}


def check_declared_type(file, filename: str) -> str:
    """The content kind of ``file`` (document_kind) if it matches the extension of
    ``filename``: an HTML page named ``notulen.pdf`` is refused. Raises UploadError."""
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = document_kind(file)
    if kind not in EXTENSION_KINDS.get(extension, set()):
        raise UploadError(
            _("de inhoud van het bestand past niet bij de naam (%(ext)s)")
            % {"ext": extension or "?"},
            "type",
        )
    return kind
