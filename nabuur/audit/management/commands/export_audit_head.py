import json

from django.core.management.base import BaseCommand

from nabuur.audit.services import current_head


class Command(BaseCommand):
    help = (
        "Print the audit log's current head (number, hash, time) as JSON, to keep outside "
        "this server; `verify_audit --expect SEQ:HASH` checks it later."
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(current_head(), sort_keys=True))
