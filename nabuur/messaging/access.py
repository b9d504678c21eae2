"""Fetch a message only if the person may see it: outside their scope it answers 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nabuur.staff.permissions import can, in_scope

from .models import Message


def get_message_for(user, capability, pk, *, every=False):
    """The message if one of its BINs lies in the person's scope (else 404) and the person holds
    `capability` over one of its BINs, or over every one with `every=True` (else 403).

    Reading a message needs one BIN (a zone-wide message is part of each BIN's log); acting on
    it for all its BINs needs them all.
    """
    message = (
        Message.objects.select_related("author", "follows")
        .prefetch_related("targets__municipality__zone", "variants")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    targets = list(message.targets.all())
    if not targets or not any(in_scope(user, network) for network in targets):
        raise Http404
    quantifier = all if every else any
    if not quantifier(can(user, capability, network) for network in targets):
        raise PermissionDenied
    return message
