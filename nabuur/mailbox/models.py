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
    # Whose administrators read it (see backend.zone_of_email). Empty for an e-mail that
    # belongs to no zone or to several, and for those kept before e-mails had a zone: only the
    # installation's own administrators read those. A zone's removal leaves its e-mails to them.
    zone = models.ForeignKey(
        "zones.Zone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("mailbox message")
        verbose_name_plural = _("mailbox messages")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return self.subject
