"""An e-mail backend for the demo: every message lands in the local mailbox table, with the zone
whose administrators may read it."""

from email.utils import getaddresses, parseaddr

from django.core.mail.backends.base import BaseEmailBackend
from django.db.models.functions import Lower

from nabuur.members.models import AddressRequest, Membership
from nabuur.networks.models import Network
from nabuur.staff.models import RoleAssignment

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
                    zone_id=zone_of_email(mime, message.recipients()),
                )
            )
        MailboxMessage.objects.bulk_create(rows)
        return len(rows)


def zone_of_email(mime, recipients):
    """The id of the zone an e-mail belongs to, or None.

    A message to members names its BIN in `List-Id` (messaging.emails.list_id): that BIN's
    zone. Any other e-mail belongs to the zone its recipients have to do with, through a
    membership (whatever its state: the e-mail may say goodbye), a role or an address request.
    When that is no zone, or more than one, the e-mail is left to the installation's own
    administrators rather than shown to a zone it may not concern.
    """
    slug, separator, _domain = parseaddr(str(mime["List-Id"] or ""))[1].partition(".bin.")
    if separator:
        zone_id = Network.objects.filter(slug=slug).values_list("municipality__zone", flat=True)
        if zone_id := zone_id.first():
            return zone_id
    addresses = {address.lower() for _name, address in getaddresses(recipients) if address}
    if not addresses:
        return None
    zones = set(
        Membership.objects.filter(user__email__in=addresses).values_list(
            "network__municipality__zone", flat=True
        )
    )
    for scopes in RoleAssignment.objects.filter(user__email__in=addresses).values_list(
        "network__municipality__zone", "municipality__zone", "zone"
    ):
        zones.update(scopes)
    zones.update(
        AddressRequest.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses)
        .values_list("zone", flat=True)
    )
    zones.discard(None)
    return zones.pop() if len(zones) == 1 else None
