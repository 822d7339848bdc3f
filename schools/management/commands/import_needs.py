"""``manage.py import_needs FILE``: scan needs per school, school year and theme
(interchange.md section 5), the same records the scan form writes."""

from portal.imports import BaseImportCommand
from schools.imports.needs import NeedImporter
from schools.services import command_import_record


class Command(BaseImportCommand):
    help = "Importeer behoeften uit schoolscans (school, school_year, theme, severity, share_of_pupils)."
    importer_class = NeedImporter

    def after_import(self, result):
        command_import_record(action="needs.import", result=result, filename="import_needs")
