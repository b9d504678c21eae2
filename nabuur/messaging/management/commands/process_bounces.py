"""`nabuur process_bounces --maildir PATH | --imap imaps://user:pass@host/INBOX`.

Takes in the mail sent to Nabuur's addresses (nabuur.messaging.intake): delivery reports to
`bounces+…`, unsubscriptions to `unsubscribe+…`, and members' replies to `reply+…`, which are
kept for the BIN's coordinators and officers and answered once (nabuur.messaging.replies).
"""

import imaplib

from django.core.management.base import BaseCommand, CommandError

from nabuur.messaging.intake import process_imap, process_maildir


class Command(BaseCommand):
    help = (
        "Take in the mail sent to Nabuur's addresses from a Maildir or an IMAP folder: "
        "bounces, unsubscriptions and replies."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--maildir", help="Path of a Maildir (with cur/, new/, tmp/).")
        source.add_argument("--imap", help="imaps://user:password@host/INBOX (unseen e-mails).")
        parser.add_argument(
            "--keep", action="store_true", help="Leave the e-mails taken in in the mailbox."
        )

    def handle(self, *args, maildir, imap, keep, **options):
        try:
            if maildir:
                tally = process_maildir(maildir, keep=keep)
            else:
                tally = process_imap(imap, keep=keep)
        except (OSError, ValueError, imaplib.IMAP4.error) as error:
            raise CommandError(str(error)) from error
        for line in tally.lines():
            self.stdout.write(line)
