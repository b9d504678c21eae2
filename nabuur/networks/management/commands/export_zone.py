from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nabuur.members.services.erasure import export_zone
from nabuur.staff.auditing import record
from nabuur.zones.models import Zone


class Command(BaseCommand):
    help = (
        "Write a ZIP of what one zone holds: its BINs, memberships, roles, messages, each "
        "person's data held for the zone, and the audit entries about it (JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--zone", required=True, metavar="SLUG")
        parser.add_argument("--out", required=True, metavar="FILE", help="The ZIP to write.")

    def handle(self, *args, zone, out, **options):
        found = Zone.objects.filter(slug=zone).first()
        if found is None:
            raise CommandError(f"No zone has the slug {zone!r}.")
        Path(out).write_bytes(export_zone(found))
        record(None, "privacy.export_zone", role="system", zone=found.pk, details={"zone": zone})
        self.stdout.write(f"Wrote the data of {found.name} to {out}.")
