"""``python manage.py update_cbs_gemeenten GEMEENTEN.csv [--herindelingen FILE]``: load CBS's
published municipality list (and optionally the herindelingen) into the reference tables."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.cbs import REORGANISATIONS_FILE, load_reference_data
from portal.models import CbsMunicipality, CbsReorganisation, Municipality


class Command(BaseCommand):
    help = (
        "Werk de CBS-gemeentelijst bij uit CBS' bestand 'Gemeenten alfabetisch' (CSV met de "
        "kolommen Gemeentecode of GemeentecodeGM, Gemeentenaam, Provincienaam) en optioneel "
        "de herindelingen (datum;oude_code;oude_naam;nieuwe_code;nieuwe_naam). De namen van "
        "bestaande gemeenten worden gelijkgetrokken met de CBS-naam."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CBS 'Gemeenten alfabetisch' als CSV")
        parser.add_argument("--herindelingen", help="herindelingen als CSV")

    def handle(self, *args, file, herindelingen=None, **options):
        try:
            municipalities = Path(file).read_bytes()
            changes = Path(herindelingen or REORGANISATIONS_FILE).read_bytes()
            with transaction.atomic():
                counts = load_reference_data(
                    CbsMunicipality,
                    CbsReorganisation,
                    municipalities=municipalities,
                    reorganisations=changes,
                )
                renamed = 0
                names = dict(CbsMunicipality.objects.values_list("code", "name"))
                for municipality in Municipality.objects.filter(code__in=names):
                    if municipality.name != names[municipality.code]:
                        municipality.name = names[municipality.code]
                        municipality.save(update_fields=["name"])
                        renamed += 1
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"kan de CBS-gegevens niet laden: {exc}") from exc
        self.stdout.write(
            f"{counts[0]} gemeenten, {counts[1]} herindelingen geladen; "
            f"{renamed} gemeentenamen bijgewerkt\n"
        )
