from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from nabuur.accounts.models import normalize_email_address
from nabuur.members.services.erasure import erase_in_zone
from nabuur.zones.models import Zone


class Command(BaseCommand):
    help = (
        "Erase what one zone holds about a person (their other zones keep theirs), or with "
        "--all-zones everything Nabuur holds about them."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address.")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--zone", metavar="SLUG")
        scope.add_argument("--all-zones", action="store_true")

    def handle(self, *args, email, zone=None, all_zones=False, **options):
        person = get_user_model().objects.filter(email=normalize_email_address(email)).first()
        if person is None:
            raise CommandError("Nobody has this e-mail address.")
        found = None
        if not all_zones:
            found = Zone.objects.filter(slug=zone).first()
            if found is None:
                raise CommandError(f"No zone has the slug {zone!r}.")
        whole = erase_in_zone(person, found, via="command")
        if whole:
            self.stdout.write(f"Erased person {person.pk} everywhere; their account is gone.")
        else:
            self.stdout.write(
                f"Erased what {found.name} held about person {person.pk}; "
                "another zone still holds them."
            )
