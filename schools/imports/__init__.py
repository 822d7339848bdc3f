"""The schools app's bulk imports on the portal's one import framework (portal.imports), one
module per kind: ``duo`` (DUO school locations, both layouts), ``weights`` (the CBS
schoolweging file) and ``needs`` (scan needs), with the cell parsers they share in ``parsers``.

Every importer can be limited to one municipality (``municipality=``): a municipal upload of a
national file skips (counts) the rows of other municipalities.

Callers import from the kind's module. The three importers are also named here for the
callers that still import them from the package (tests/test_hostile_inputs.py).
"""

from .duo import SchoolImporter
from .needs import NeedImporter
from .weights import SchoolWeightImporter

__all__ = ["NeedImporter", "SchoolImporter", "SchoolWeightImporter"]
