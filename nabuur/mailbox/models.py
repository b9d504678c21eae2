from django.db import models
from django.utils.translation import gettext_lazy as _


class MailboxMessage(models.Model):
    """An e-mail kept in the demo mailbox instead of being sent (NABUUR_EMAIL_URL=mailbox://)."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sender = models.CharField(max_length=320)
    recipients = models.TextField(help_text=_("One address per line."))
    subject = models.CharField(max_length=998)
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    raw = models.BinaryField()

    class Meta:
        verbose_name = _("mailbox message")
        verbose_name_plural = _("mailbox messages")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return self.subject
