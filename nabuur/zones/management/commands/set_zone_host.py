from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nabuur.zones.models import Zone
from nabuur.zones.services import set_zone_host


class Command(BaseCommand):
    help = (
        "Set the host name a zone's site answers on, when one install serves several zones "
        '(e.g. bin.pz-hekla.be); "" removes it. Add the name to NABUUR_ALLOWED_HOSTS too.'
    )

    def add_arguments(self, parser):
        parser.add_argument("zone", help="the zone's slug")
        parser.add_argument("host", help='the host name, without https:// or port; "" for none')

    def handle(self, *args, zone, host, **options):
        found = Zone.objects.filter(slug=zone).first()
        if found is None:
            raise CommandError(f"No zone with slug {zone!r}.")
        try:
            set_zone_host(found, host)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"{found.name}: host name {found.host or '(none)'}.")
