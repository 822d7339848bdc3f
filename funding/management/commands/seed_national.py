"""``python manage.py seed_national [--seed N]``: the national-scale data set of product.md
"Scale" for benchmarks (funding.scale; also reached as ``seed_demo --scale national``)."""

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
