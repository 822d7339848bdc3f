"""The funding imports as the portal's browser import runs them (portal.imports.registry):
``run(*, actor, municipality, source, filename, dry_run, progress)`` -> ImportResult, limited to
``municipality``. The importers audit their own writes."""

from .activities import ActivityImporter
from .expenditure_import import ExpenditureImporter
from .grants import GrantImporter


def _runner(importer_class):
    def run(*, actor, municipality, source, filename=None, dry_run=False, progress=None):
        importer = importer_class(municipality=municipality, actor=actor)
        return importer.run(source, filename=filename, dry_run=dry_run, progress=progress)

    run.__doc__ = f"Run {importer_class.__name__} for ``municipality`` (all or nothing)."
    return run


grants_import = _runner(GrantImporter)
activities_import = _runner(ActivityImporter)
expenditures_import = _runner(ExpenditureImporter)

__all__ = ["activities_import", "expenditures_import", "grants_import"]
