"""``python manage.py seed_national [--seed N]``: the money of the national-scale data set of
product.md "Scale" (funding.scale.seed_national: municipalities, schools, scans, grants,
activities, expenditure lines), e.g. for the checks benchmark. The whole set, with people,
meetings, actions and the audit trail, is ``seed_demo --scale national [--fraction N]``."""

from django.core.management.base import BaseCommand
from django_scopes import scopes_disabled

from funding.scale import seed_national


class Command(BaseCommand):
    help = "Generate the national-scale data set (product.md, Scale) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed: the same seed gives the same data.",
        )

    def handle(self, *args, seed, **options):
        with scopes_disabled():
            seed_national(seed=seed, log=self.stdout.write)
