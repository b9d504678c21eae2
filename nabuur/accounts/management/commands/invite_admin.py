from django.core.management.base import BaseCommand, CommandError

from nabuur.staff.models import Role
from nabuur.staff.services import already_holds, invite
from nabuur.zones.models import Zone


class Command(BaseCommand):
    help = "Invite the first administrator of a police zone; prints and e-mails the link."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--zone", required=True, help="The zone's slug.")

    def handle(self, *args, email, zone, **options):
        zone_obj = Zone.objects.filter(slug=zone).first()
        if zone_obj is None:
            raise CommandError(f"There is no zone {zone!r}.")
        if already_holds(email.strip(), Role.ZONE_ADMIN, zone=zone_obj):
            raise CommandError(f"{email} already administers {zone_obj.slug}.")
        _, link = invite(None, email, Role.ZONE_ADMIN, zone=zone_obj)
        if link is None:
            self.stdout.write(f"{email} is now an administrator of {zone_obj.slug}; they log in "
                              "with their existing password.")  # fmt: skip
            return
        self.stdout.write(f"Invitation for {email} ({zone_obj.slug}), valid once:\n{link}")
