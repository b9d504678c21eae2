"""Staff messaging pages (/<lang>/staff/messages/…): the log, compose, review steps, plans."""

from nabuur.messaging.models import Message, MessageKind, MessageState, MessageVariant
from nabuur.staff.permissions import Capability as C


def message_of_a(state=MessageState.DRAFT, *, by_persona=False):
    """kwargs for a message to BIN A in `state`, written by the persona when `by_persona`."""

    def kwargs(ctx):
        message = Message.objects.create(
            kind=MessageKind.PREVENTION,
            state=state,
            author=ctx.user if by_persona else None,
            author_side="police" if state == MessageState.AWAITING_FORWARD else "coordinator",
        )
        message.targets.set([ctx.bin_a])
        MessageVariant.objects.create(
            message=message,
            language="nl",
            subject="Sluit uw tuinhuis af",
            body_markdown="Er werd gereedschap gestolen uit tuinhuizen.",
            body_html="<p>Er werd gereedschap gestolen uit tuinhuizen.</p>",
            body_text="Er werd gereedschap gestolen uit tuinhuizen.",
        )
        return {"pk": message.pk}

    return kwargs


def _post(capability, kwargs, data=None):
    return {
        "capability": capability,
        "object": "bin_a",
        "kwargs": kwargs,
        "method": "post",
        "data": data or {},
        "ok": (302,),
    }


ENTRIES = {
    "messaging_staff:list": {"capability": C.VIEW_FIGURES, "object": None, "kwargs": {}},
    "messaging_staff:new": {"capability": C.COMPOSE_MESSAGES, "object": None, "kwargs": {}},
    "messaging_staff:detail": {
        "capability": C.VIEW_FIGURES,
        "object": "bin_a",
        "kwargs": message_of_a(),
    },
    "messaging_staff:progress": {
        "capability": C.VIEW_FIGURES,
        "object": "bin_a",
        "kwargs": message_of_a(MessageState.SENDING),
    },
    # Only the author edits, submits or cancels a draft: the persona writes it first.
    "messaging_staff:edit": {
        "capability": C.COMPOSE_MESSAGES,
        "object": "bin_a",
        "kwargs": message_of_a(by_persona=True),
    },
    # Confirmed: without it the page first says whom the message reaches (200).
    "messaging_staff:submit": _post(
        C.COMPOSE_MESSAGES, message_of_a(by_persona=True), {"confirmed": "1"}
    ),
    "messaging_staff:cancel": _post(C.COMPOSE_MESSAGES, message_of_a(by_persona=True)),
    "messaging_staff:approve": _post(
        C.APPROVE_MESSAGES, message_of_a(MessageState.AWAITING_APPROVAL)
    ),
    "messaging_staff:reject": _post(
        C.APPROVE_MESSAGES,
        message_of_a(MessageState.AWAITING_APPROVAL),
        {"reject-reason": "Te vaag."},
    ),
    "messaging_staff:forward": _post(
        C.FORWARD_POLICE_MESSAGES, message_of_a(MessageState.AWAITING_FORWARD)
    ),
    "messaging_staff:decline": _post(
        C.FORWARD_POLICE_MESSAGES, message_of_a(MessageState.AWAITING_FORWARD)
    ),
    "messaging_staff:test": _post(C.VIEW_FIGURES, message_of_a()),
    # Letters carry addresses: a fresh login is asked first (a redirect), or, with nobody to
    # write to, a redirect back to the message.
    "messaging_staff:letters": {
        "capability": C.VIEW_MEMBERS,
        "object": "bin_a",
        "kwargs": message_of_a(MessageState.SENT),
        "ok": (302,),
    },
    "messaging_staff:plan": {
        "capability": C.VIEW_NETWORKS,
        "object": "bin_a",
        "kwargs": lambda ctx: {"slug": ctx.bin_a.slug},
    },
}
