"""How a CSV file is written, as Excel and finance systems write it (issue 11, section 3).

:func:`detect` looks at the raw bytes of an upload and returns a :class:`Dialect`: the text
encoding, the delimiter, and how many physical lines precede the header because they are not
data (Excel's ``sep=;`` line). The readers (portal.imports.readers) decode with it; nothing
here reads more than the first 64 KiB to decide, except the UTF-8 check, which validates the
whole file in chunks.

Recognised, in this order:

- UTF-16 with a byte order mark: Excel's "Unicode-tekst (*.txt)" export, tab-separated;
- UTF-8 with BOM, UTF-8, else Windows-1252 (what Dutch Excel writes for "CSV (gescheiden
  door lijstscheidingsteken)");
- a first line ``sep=;`` / ``sep=,`` / ``sep=\\t`` (Excel writes and honours it): it names the
  delimiter and is skipped, not read as the header;
- otherwise the delimiter is the most frequent of tab, ``;`` and ``,`` on the header line,
  outside quotes (ties prefer ``;`` over ``,``, as Dutch Excel writes ``;``).
"""

import codecs
import re
from dataclasses import dataclass

_SEP_LINE = re.compile(r"\s*sep=(.)\s*$", re.IGNORECASE)
_HEAD_BYTES = 65536


@dataclass(frozen=True)
class Dialect:
    """``encoding`` is a Python codec name; ``skip_lines`` counts physical lines before the
    header that are not data (0 or 1)."""

    encoding: str
    delimiter: str
    skip_lines: int = 0


def is_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark (Excel's "Unicode text" export always writes one)."""
    return data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _is_utf8(data: bytes) -> bool:
    """Validate in chunks, so detection never holds a second, decoded copy."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes) -> str:
    if is_utf16(data):
        return "utf-16"  # the codec reads the BOM and drops it
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return "utf-8" if _is_utf8(data) else "cp1252"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter used most on the header line, quoted text left out."""
    line = re.sub(r'"[^"]*"', "", header_line)
    counts = {delimiter: line.count(delimiter) for delimiter in ("\t", ";", ",")}
    best = max(counts.values())
    if best == 0:
        return ","
    return next(d for d in ("\t", ";", ",") if counts[d] == best)


def sniff(head: str) -> tuple[str, int]:
    """``(delimiter, skip_lines)`` from the decoded start of a file (see the module doc)."""
    lines = head.splitlines()
    first_index = next((i for i, line in enumerate(lines) if line.strip()), 0)
    first = lines[first_index].lstrip("\ufeff") if lines else ""
    match = _SEP_LINE.fullmatch(first)
    if match:
        return match[1], first_index + 1
    return sniff_delimiter(first), 0


def detect(data: bytes) -> Dialect:
    """The dialect of a CSV upload given as bytes; never raises (worst case: cp1252 + ``,``)."""
    encoding = detect_encoding(data)
    delimiter, skip_lines = sniff(data[:_HEAD_BYTES].decode(encoding, errors="ignore"))
    return Dialect(encoding, delimiter, skip_lines)
