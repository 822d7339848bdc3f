"""``python manage.py seed_demo``: the demo story of product.md, one account per role.

The foundation creates municipalities, region and accounts; each app then adds its
part through the ``seed(ctx)`` of DEMO_MODULES (schools and scans, money and checks, the
finished report, meetings), in that order, so later parts can refer to earlier ones. Running it again updates, it does not
duplicate.
"""

import importlib
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scopes_disabled

from portal import scale
from portal.demo import ACCOUNTS, DEMO_PASSWORD, seed_foundation
from portal.models import Municipality

# Each module has seed(ctx); later parts refer to earlier ones.
DEMO_MODULES = ["schools.demo", "funding.demo", "funding.reports.demo", "meetings.demo"]


class Command(BaseCommand):
    help = "Load the demo story (Midden-Groningen, Eemsdelta, Kenniskring Noord) with one account per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Only seed when there are no municipalities yet.",
        )
        parser.add_argument(
            "--scale",
            choices=["national"],
            help="Generate the national-scale data set (product.md, Scale) instead.",
        )
        parser.add_argument(
            "--fraction",
            type=int,
            default=1,
            help="With --scale: generate 1/N of every national size (10: the CI's 1/10 set).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed of --scale: the same seed gives the same data.",
        )

    def handle(self, *args, **options):
        if options["scale"] == "national":
            # The apps registered their parts (portal.scale): portal imports none of them.
            if options["fraction"] < 1:
                raise CommandError("--fraction moet 1 of groter zijn.")
            started = time.monotonic()
            with scopes_disabled(), transaction.atomic():
                ctx = scale.generate(
                    seed=options["seed"], fraction=options["fraction"], log=self.stdout.write
                )
            summary = ", ".join(f"{kind} {n:,}" for kind, n in sorted(ctx.counts.items()))
            self.stdout.write(
                self.style.SUCCESS(
                    f"Schaalset (seed {options['seed']}, 1/{options['fraction']}): {summary}; "
                    f"{time.monotonic() - started:.1f} s"
                )
            )
            return
        if options["if_empty"] and Municipality.objects.exists():
            self.stdout.write("De database bevat al gegevens; demo niet opnieuw geladen.")
        else:
            with scopes_disabled(), transaction.atomic():
                ctx = seed_foundation(stdout=self.stdout)
                for name in DEMO_MODULES:
                    try:
                        module = importlib.import_module(name)
                    except ModuleNotFoundError as error:
                        if error.name != name:
                            raise
                        continue
                    module.seed(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo-accounts (wachtwoord {DEMO_PASSWORD}):"))
        for email, role, where, _name in ACCOUNTS:
            self.stdout.write(f"  {email:42} {role.label} ({where})")
