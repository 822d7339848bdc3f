"""The one CSV/XLSX import framework of the portal, (exports: portal.exports).

Every bulk import (schools, needs, grants, activities, expenditures) is an
``Importer`` subclass that declares its ``Column``s and implements ``save()``.
The framework owns everything users trip over, so that all imports behave
alike: file-type and encoding detection, header matching, value parsing in
Dutch notation, error reporting as ``line N: column: reason`` and the
all-or-nothing rule (a file with any invalid row imports nothing).

Rows are streamed from the file and only the cleaned rows are kept, so a
100,000-row file is held in memory once, not once per processing step.
"""

from .commands import BaseImportCommand, run_import_command
from .framework import (
    PROGRESS_EVERY,
    Column,
    Importer,
    ImportFormat,
    ImportResult,
    RowError,
    bulk_upsert,
    column_displays,
    column_labels,
    duplicate_rows,
    import_format,
    relabel,
)
from .parsers import (
    Cell,
    ImportFileError,
    ImportValueError,
    ImportValueErrors,
    amount,
    boolean,
    choice,
    date,
    decimal_number,
    integer,
    labelled_choice,
    location_code,
    multi,
    municipality_code,
    normalise_municipality_code,
    optional_amount,
    small_count,
    text,
)
from .readers import Table, read_table

__all__ = [
    "PROGRESS_EVERY",
    "BaseImportCommand",
    "Cell",
    "Column",
    "ImportFileError",
    "ImportFormat",
    "ImportResult",
    "ImportValueError",
    "ImportValueErrors",
    "Importer",
    "RowError",
    "Table",
    "amount",
    "boolean",
    "bulk_upsert",
    "choice",
    "labelled_choice",
    "column_displays",
    "column_labels",
    "date",
    "decimal_number",
    "duplicate_rows",
    "import_format",
    "integer",
    "location_code",
    "multi",
    "municipality_code",
    "normalise_municipality_code",
    "optional_amount",
    "read_table",
    "relabel",
    "run_import_command",
    "small_count",
    "text",
]
