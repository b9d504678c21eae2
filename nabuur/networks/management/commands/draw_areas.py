from django.core.management.base import BaseCommand
from django.db import transaction

from nabuur.networks.areas import update_areas
from nabuur.networks.models import Network


class Command(BaseCommand):
    help = (
        "Draw every BIN's area again from the addresses its segments cover. Segment changes "
        "and address imports do this themselves; run it after loading segments by other means."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bin", action="append", metavar="SLUG", help="only this BIN")

    def handle(self, *args, bin=None, **options):
        networks = Network.objects.all()
        if bin:
            networks = networks.filter(slug__in=bin)
        with transaction.atomic():
            changed = update_areas(networks)
        self.stdout.write(f"Areas drawn again: {changed} changed.")
