"""Who may read the demo mailbox: zone administrators, and only while the mailbox is in use;
and, in the demo, a visitor who just signed up: the e-mails to their own address.

The mailbox holds every e-mail the site "sent" in a demo, so it shows personal data of members:
a zone administrator reads their own zone's e-mails only. E-mails without a zone (kept before
e-mails named their zone, or belonging to no zone or to several) are read only by the
installation's own administrators: superusers who also administer a zone. Outside the demo (a
real SMTP mailer) the mailbox does not exist at all.
"""

import datetime
from email.utils import getaddresses

from django.conf import settings
from django.http import Http404

from nabuur.members.views import DEMO_MAIL_SESSION_KEY
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


def own_address(request):
    """(address, since) this browser signed up with in the demo; Http404 without one.

    Only the session says whose mail a visitor reads: no parameter names an address, so nobody
    reads another person's mail by changing a link. Outside the demo there is nothing to read.
    """
    if not (settings.DEMO and mailbox_enabled()):
        raise Http404
    kept = request.session.get(DEMO_MAIL_SESSION_KEY)
    if not isinstance(kept, dict) or not kept.get("email"):
        raise Http404
    try:
        since = datetime.datetime.fromisoformat(kept["since"])
    except (KeyError, TypeError, ValueError):
        raise Http404 from None
    return kept["email"], since


def is_addressed_to(mail, address):
    address = address.lower()
    return any(
        found.lower() == address for _name, found in getaddresses(mail.recipients.split("\n"))
    )


def get_own_mail(request):
    """The e-mails kept for the address this browser signed up with, since it signed up;
    newest first. An earlier sign-up with the same address by someone else stays theirs."""
    address, since = own_address(request)
    found = MailboxMessage.objects.filter(
        recipients__icontains=address, received_at__gte=since
    ).defer("raw")
    return address, [mail for mail in found if is_addressed_to(mail, address)]


def get_own_message(request, pk):
    """One of those e-mails; Http404 when it is missing or not this visitor's."""
    address, since = own_address(request)
    mail = MailboxMessage.objects.filter(pk=pk, received_at__gte=since).first()
    if mail is None or not is_addressed_to(mail, address):
        raise Http404
    return mail
