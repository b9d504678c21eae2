from django.core.management.base import BaseCommand, CommandError

from nabuur.members.services.erasure import offboard_zone
from nabuur.zones.models import Zone


class Command(BaseCommand):
    help = (
        "Erase a whole zone from this install: every person's data held for it (people of "
        "other zones keep theirs) and the zone's own rows. Run export_zone first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--zone", required=True, metavar="SLUG")
        parser.add_argument(
            "--confirm", required=True, metavar="SLUG", help="The zone's slug again, to be sure."
        )

    def handle(self, *args, zone, confirm, **options):
        if confirm != zone:
            raise CommandError("--confirm must repeat the zone's slug; nothing was erased.")
        found = Zone.objects.filter(slug=zone).first()
        if found is None:
            raise CommandError(f"No zone has the slug {zone!r}.")
        name = found.name
        people = offboard_zone(found)
        self.stdout.write(f"Offboarded {name}: erased the data of {people} people it held.")
