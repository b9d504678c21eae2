from django.core.management.base import BaseCommand, CommandError

from nabuur.zones.services import AddressFileError, import_streets


class Command(BaseCommand):
    help = (
        "Import the streets of some municipalities from a BeSt Address CSV file "
        "(openaddress-be*.csv). Re-runnable; writes nothing if the file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="BeSt Address CSV file")
        parser.add_argument(
            "--municipality",
            action="append",
            required=True,
            metavar="NIS",
            help="NIS code of a municipality to import; repeat for several",
        )

    def handle(self, *args, file, municipality, **options):
        try:
            report = import_streets(file, municipality)
        except AddressFileError as error:
            raise CommandError(f"{error} Nothing was imported.") from error
        self.stdout.write(
            f"Read {report.rows_read} rows, used {report.rows_used}. "
            f"Streets: {report.streets_created} created, {report.streets_updated} updated, "
            f"{report.streets_unchanged} unchanged. "
            f"Postcode links: {report.postcodes_created} created."
        )
        for nis_code in report.municipalities_without_addresses:
            self.stderr.write(
                self.style.WARNING(f"No current address of municipality {nis_code} in the file.")
            )
