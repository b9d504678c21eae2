from django.core.management.base import BaseCommand

from nabuur.zones.services import REFERENCE_FILE, load_reference


class Command(BaseCommand):
    help = (
        "Create the Belgian municipalities and postcode links that are missing and update "
        "their names. Never changes a municipality's zone or language regime."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(REFERENCE_FILE), help="reference.json to load")

    def handle(self, *args, file, **options):
        report = load_reference(file)
        self.stdout.write(
            f"Municipalities: {report.municipalities_created} created, "
            f"{report.municipalities_updated} renamed. "
            f"Postcode links: {report.postcodes_created} created."
        )
