"""An e-mail backend for the demo: every message lands in the local mailbox table."""

from django.core.mail.backends.base import BaseEmailBackend

from .models import MailboxMessage


class MailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        rows = []
        for message in email_messages:
            mime = message.message()
            rows.append(
                MailboxMessage(
                    sender=message.from_email or "",
                    recipients="\n".join(message.recipients()),
                    subject=str(mime["Subject"] or ""),
                    message_id=str(mime["Message-ID"] or ""),
                    raw=mime.as_bytes(),
                )
            )
        MailboxMessage.objects.bulk_create(rows)
        return len(rows)
