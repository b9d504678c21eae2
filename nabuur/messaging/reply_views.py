"""The replies to a message (/<lang>/staff/messages/<pk>/replies/): members' e-mail answers.

access (messaging.access for the message, replies.reply_networks_for for its replies) →
service (replies.mark_read, mark_handled) → render (templates/messaging/staff/replies.html).
Only the people the plan names read them: the message's author, and the coordinators and
officers of the BINs the members who replied belong to.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabuur.staff.auditing import record_view
from nabuur.staff.permissions import Capability

from . import replies as service
from .access import get_message_for


def _networks_for(user, pk):
    """(message, the BINs whose replies the person reads); 404 outside the person's scope,
    403 for someone who sees the message but is not named for its replies."""
    message = get_message_for(user, Capability.VIEW_FIGURES, pk)
    networks = service.reply_networks_for(user, message)
    if not networks:
        raise PermissionDenied
    return message, networks


@login_required
def reply_list(request, pk):
    """The replies the person may read; opening the page marks the unread ones read by them."""
    message, networks = _networks_for(request.user, pk)
    rows = list(service.replies_for(message, networks))
    newly_read = set(service.mark_read(rows, request.user))
    if rows:
        # Reading replies is reading personal data: their text and who sent them.
        record_view(
            request,
            "messaging.replies_viewed",
            sorted({row.delivery.user_id for row in rows if row.delivery.user_id}),
            target=message,
            place=networks[0],
            details={"replies": [row.pk for row in rows]},
        )
    subject = next(iter(message.variants.all()), None)
    return render(
        request,
        "messaging/staff/replies.html",
        {
            "message": message,
            "subject": subject.subject if subject else "",
            "replies": rows,
            "newly_read": newly_read,
            # The page repeats the numbers the members' answer gives: the zone's own.
            "zone": networks[0].municipality.zone,
        },
    )


@require_POST
@login_required
def reply_handled(request, pk, reply_pk):
    """Mark one reply handled by the person."""
    message, networks = _networks_for(request.user, pk)
    reply = service.replies_for(message, networks).filter(pk=reply_pk).first()
    if reply is None:
        raise Http404
    service.mark_handled(reply, request.user)
    messages.success(request, _("The reply is marked as handled."))
    return redirect("messaging_staff:replies", pk=message.pk)
