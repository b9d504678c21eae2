"""Who may read the demo mailbox: zone administrators, and only while the mailbox is in use.

The mailbox holds every e-mail the site "sent" in a demo, so it shows personal data of members:
a zone administrator reads their own zone's e-mails only. E-mails without a zone (kept before
e-mails named their zone, or belonging to no zone or to several) are read only by the
installation's own administrators: superusers who also administer a zone. Outside the demo (a
real SMTP mailer) the mailbox does not exist at all.
"""

from django.conf import settings
from django.http import Http404

from nabuur.staff.permissions import Capability, Kind, scopes_for

from .models import MailboxMessage

MAILBOX_BACKEND = "nabuur.mailbox.backend.MailboxBackend"


def mailbox_enabled():
    """True when the default mailer stores e-mail in the local mailbox instead of sending it."""
    return settings.MAILERS.get("default", {}).get("BACKEND") == MAILBOX_BACKEND


def is_zone_admin(user):
    """True if the person holds a zone administrator's role today (from the request's scopes,
    which every staff page has loaded already)."""
    return user.is_authenticated and Kind.ZONE_ADMIN in scopes_for(user).kinds


def get_mailbox_for_admin(user):
    """The mailbox's messages for a zone administrator; Http404 for anyone else.

    Callers send anonymous visitors to the login page first.
    """
    if not mailbox_enabled() or not is_zone_admin(user):
        raise Http404
    if user.is_superuser:
        return MailboxMessage.objects.all()
    # The zones over which the person sees members' data: a zone administrator's own.
    zone_ids = scopes_for(user).grant(Capability.VIEW_MEMBERS).zones
    return MailboxMessage.objects.filter(zone__in=zone_ids)


def get_mailbox_message_for_admin(user, pk):
    """One message for a zone administrator; Http404 when it is missing or not theirs to see."""
    try:
        return get_mailbox_for_admin(user).get(pk=pk)
    except MailboxMessage.DoesNotExist:
        raise Http404 from None
