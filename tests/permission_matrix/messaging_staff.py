"""Staff messaging pages (/<lang>/staff/messages/…): the log, compose, review steps, plans."""

from nabuur.lib import clock
from nabuur.messaging.models import (
    CommunicationPlan,
    Delivery,
    Message,
    MessageKind,
    MessageState,
    MessageVariant,
    Reply,
)
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


def reply_of_a(ctx):
    """kwargs for a reply of a member of A to a sent message to A."""
    pk = message_of_a(MessageState.SENT)(ctx)["pk"]
    user = ctx.fixture("member_a")
    delivery = Delivery.objects.create(
        message_id=pk,
        user=user,
        email=user.email,
        languages="nl",
        state="sent",
        next_attempt_at=clock.now(),
        message_id_header=f"matrix.{pk}@localhost",
        token=f"{pk:032x}",
    )
    reply = Reply.objects.create(
        delivery=delivery, network=ctx.bin_a, received_at=clock.now(), text="Bedankt."
    )
    return {"pk": pk, "reply_pk": reply.pk}


def overdue_message_of_a(ctx):
    """kwargs for a police message to A handed over to its officer, where A's plan lets the
    officer send it to the members directly (nabuur.messaging.escalation)."""
    pk = message_of_a(MessageState.AWAITING_FORWARD)(ctx)["pk"]
    Message.objects.filter(pk=pk).update(reminded_at=clock.now(), handed_over_at=clock.now())
    latest = CommunicationPlan.objects.filter(network=ctx.bin_a).order_by("-version").first()
    CommunicationPlan.objects.create(
        network=ctx.bin_a,
        version=(latest.version if latest else 0) + 1,
        officer_sends_overdue=True,
        allowed_kinds={},
    )
    return {"pk": pk}


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
    "messaging_staff:send_overdue": _post(C.APPROVE_MESSAGES, overdue_message_of_a),
    "messaging_staff:test": _post(C.VIEW_FIGURES, message_of_a()),
    # Letters carry addresses: a fresh login is asked first (a redirect), or, with nobody to
    # write to, a redirect back to the message.
    "messaging_staff:letters": {
        "capability": C.VIEW_MEMBERS,
        "object": "bin_a",
        "kwargs": message_of_a(MessageState.SENT),
        "ok": (302,),
    },
    # Replies are read by the BIN's coordinators and officers (and the message's author):
    # the columns of MEMBER_MEASURES, the capability held by exactly those two over own BINs.
    "messaging_staff:replies": {
        "capability": C.MEMBER_MEASURES,
        "object": "bin_a",
        "kwargs": message_of_a(MessageState.SENT),
    },
    "messaging_staff:reply_handled": _post(C.MEMBER_MEASURES, reply_of_a),
    "messaging_staff:plan": {
        "capability": C.VIEW_NETWORKS,
        "object": "bin_a",
        "kwargs": lambda ctx: {"slug": ctx.bin_a.slug},
    },
}
