from django.core.management.base import BaseCommand, CommandError

from nabuur.audit.services import current_head, entry_matches, verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit non-zero on a modified or missing entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="A head exported earlier (export_audit_head); that entry must still match.",
        )

    def handle(self, *args, expect=None, **options):
        problem = verify_chain()
        if problem is not None:
            raise CommandError(f"The audit log is broken at {problem}.")
        if expect:
            seq, _, entry_hash = expect.partition(":")
            if not seq.isdigit() or not entry_matches(int(seq), entry_hash):
                raise CommandError(
                    f"The audit log no longer contains the exported head {expect}: "
                    "entries were rewritten or removed."
                )
        head = current_head()
        self.stdout.write(f"The audit log is intact: {head['seq']} entries, head {head['hash']}.")
