"""The bounded, streaming reader of portal.imports (issue 13 §2-3): encoding decided on the
whole file, NUL bytes anywhere, wide headers in linear time, zip bombs refused from the zip
directory, files streamed rather than read whole."""

import io
import time
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal import uploads
from portal.imports import ImportFileError, read_table


def rows_of(source, **kwargs):
    return [cells for _line, cells in read_table(source, **kwargs)]


def test_encoding_is_decided_on_the_whole_file_not_the_first_64_kb():
    ascii_part = b"name,city\n" + b"Basisschool,Zaandam\n" * 5000  # ~100 kB of plain ASCII
    data = ascii_part + "Café,Zaandam\n".encode("cp1252")
    assert len(ascii_part) > 65536
    rows = rows_of(data)
    assert rows[-1] == {"name": "Café", "city": "Zaandam"}


def test_utf8_after_64_kb_stays_utf8():
    data = b"name,city\n" + b"Basisschool,Zaandam\n" * 5000 + "Café,Zaandam\n".encode()
    assert rows_of(data)[-1]["name"] == "Café"


def test_a_nul_byte_after_the_first_8_kb_is_a_clean_refusal():
    data = b"name,city\n" + b"a,b\n" * 5000 + b"x\x00y,z\n"
    with pytest.raises(ImportFileError, match="regel 5002: een NUL-teken"):
        rows_of(data)


def test_a_header_of_40000_columns_is_refused_at_once():
    header = ",".join(f"c{i}" for i in range(40_000)).encode() + b"\n1\n"
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="40000 kolommen"):
        rows_of(header)
    assert time.monotonic() - started < 2


def test_duplicate_headers_are_still_named():
    with pytest.raises(ImportFileError, match="dubbele kolommen: a"):
        rows_of(b"a,b,A\n1,2,3\n")


def test_a_cell_over_the_length_limit_names_line_and_column(settings):
    settings.IMPORT_MAX_CELL_LENGTH = 100
    with pytest.raises(ImportFileError, match="regel 3: name: de waarde is langer dan 100"):
        rows_of(b"name\nok\n" + b"x" * 101 + b"\n")


def test_the_row_limit_is_a_setting(settings):
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportFileError, match="meer dan 3 regels"):
        rows_of(b"a\n1\n2\n3\n4\n")


def _bomb(size=50 * 1024 * 1024):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * size)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking():
    data = _bomb()
    assert len(data) < 100_000
    started = time.monotonic()
    with pytest.raises(ImportFileError, match="zip-bom"):
        rows_of(data, filename="begroting.xlsx")
    assert time.monotonic() - started < 1


def test_the_uncompressed_size_limit_is_a_setting(settings):
    settings.ZIP_MAX_UNCOMPRESSED_SIZE = 1024 * 1024
    with pytest.raises(uploads.UploadError, match="uitgepakt te groot"):
        uploads.check_zip(io.BytesIO(_bomb(2 * 1024 * 1024)))


def test_an_upload_file_is_streamed_and_left_open_for_the_caller(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    with open(path, "rb") as file:
        assert len(rows_of(file)) == 1000
        assert not file.closed
        file.seek(0)  # the schools view stores the upload after the preview
        assert file.read(3) == b"a,b"


def test_an_xlsx_upload_file_is_read_from_the_file(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["name"])
    workbook.active.append(["Noord"])
    path = tmp_path / "x.xlsx"
    workbook.save(path)
    with open(path, "rb") as file:
        assert rows_of(file, filename="x.xlsx") == [{"name": "Noord"}]


def test_file_size_validator(settings):
    settings.UPLOAD_MAX_FILE_SIZE = 10
    with pytest.raises(ValidationError, match="te groot"):
        uploads.file_size_validator(SimpleUploadedFile("a.csv", b"x" * 11))
    uploads.file_size_validator(SimpleUploadedFile("a.csv", b"x" * 10))
