"""`nabuur process_bounces --maildir PATH | --imap imaps://user:pass@host/INBOX`."""

from django.core.management.base import BaseCommand, CommandError

from nabuur.messaging.bounces import process_imap, process_maildir


class Command(BaseCommand):
    help = "Read bounces from a Maildir or an IMAP folder and record them on the deliveries."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--maildir", help="Path of a Maildir (with cur/, new/, tmp/).")
        source.add_argument("--imap", help="imaps://user:password@host/INBOX (unseen e-mails).")
        parser.add_argument(
            "--keep", action="store_true", help="Leave recorded bounces in the mailbox."
        )

    def handle(self, *args, maildir, imap, keep, **options):
        try:
            if maildir:
                seen, matched = process_maildir(maildir, keep=keep)
            else:
                seen, matched = process_imap(imap, keep=keep)
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{seen} e-mails read, {matched} bounces recorded.")
