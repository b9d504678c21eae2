"""What the demo mailbox holds about a person: nothing that export or erasure must reach."""

from nabuur.privacy.registry import no_personal_data

no_personal_data(
    "mailbox.MailboxMessage", "the demo mailbox, refused in production (NABUUR_EMAIL_URL)"
)
