from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from nabuur.members.services.erasure import replay_erasures, restored_at


class Command(BaseCommand):
    help = (
        "After restoring a backup: apply again every erasure in the erasure register "
        "(NABUUR_ERASURE_REGISTER) made since the restored database's newest audit entry (less "
        "10 minutes, for erasures committed while the dump was taken)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            metavar="TIME",
            help="Replay the erasures registered after this ISO time (with its offset).",
        )

    def handle(self, *args, since=None, **options):
        if since:
            try:
                moment = datetime.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since must be an ISO time, not {since!r}.") from error
            if moment.tzinfo is None:
                raise CommandError("--since needs its offset, e.g. 2026-12-01T03:00:00+01:00.")
        else:
            moment = restored_at()
        applied, not_found = replay_erasures(moment)
        self.stdout.write(
            f"Erasures applied again: {len(applied)}, of those registered after "
            f"{moment.isoformat() if moment else 'the beginning'}."
        )
        for line in not_found:
            # Already erased, or the id now belongs to someone else: nothing to do here.
            self.stdout.write(
                f"Not found (already erased or another person): {line['kind']} "
                f"{line.get('person', '')} {line['zone'] or 'all zones'} at {line['at']}"
            )
