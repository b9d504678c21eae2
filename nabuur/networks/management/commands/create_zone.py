from django.core.management.base import BaseCommand, CommandError

from nabuur.networks.zone_setup import ZoneDetails, ZoneSetupError, create_zone


class Command(BaseCommand):
    help = (
        "Create a police zone with its municipalities, BIN types and documents (a new install; "
        "then `nabuur invite_admin`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short name in addresses, e.g. hekla.")
        parser.add_argument("--name", required=True, help="e.g. 'Politiezone HEKLA'.")
        parser.add_argument(
            "--municipalities", required=True, help="NIS codes, comma-separated: 11013,11024."
        )
        parser.add_argument("--email", required=True, help="The zone's public e-mail address.")
        parser.add_argument("--phone", required=True, help="The zone's number for questions.")
        parser.add_argument(
            "--postal-address", required=True, help="Lines separated by '\\n' or real newlines."
        )
        parser.add_argument("--dpo-name", required=True, help="The data protection officer.")
        parser.add_argument("--dpo-email", required=True)

    def handle(self, *args, slug, name, municipalities, email, phone, postal_address, **options):
        details = ZoneDetails(
            slug=slug,
            name=name,
            email=email,
            phone=phone,
            postal_address=postal_address.replace("\\n", "\n"),
            dpo_name=options["dpo_name"],
            dpo_email=options["dpo_email"],
        )
        codes = [code.strip() for code in municipalities.split(",") if code.strip()]
        try:
            zone = create_zone(details, codes)
        except ZoneSetupError as error:
            raise CommandError(str(error)) from error
        count = zone.municipalities.count()
        self.stdout.write(
            f"Zone {zone.slug} created with {count} municipalities. Next: nabuur invite_admin "
            f"<e-mail> --zone {zone.slug}"
        )
