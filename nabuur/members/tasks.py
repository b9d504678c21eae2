"""The work and the e-mails that a visitor's request causes, done in the worker.

A join or login-link request checks the form, counts it against the rate limits and queues one
of these tasks, the same for any e-mail address; whether the address is a member's, a
stranger's or a blocked one is decided here, where no visitor sees the answer, its timing or
the mail relay's trouble. The e-mails that confirming a sign-up causes are queued in the same
transaction as the confirmation. `nabuur worker` runs them (a few seconds later).

A relay that is down or answers "try later" (4xx) gets the same task again later, 1, 2, 4 …
minutes on, at most an hour apart, up to NABUUR_EMAIL_MAX_ATTEMPTS tries; each service runs in
one transaction, so a failed try leaves nothing behind. A refusal (5xx) is final and logged.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from nabuur.accounts.models import User
from nabuur.networks.models import Network
from nabuur.zones.models import Document, Street, Zone
from nabuur.zones.site import links_to

from . import emails, services
from .models import Membership

logger = logging.getLogger(__name__)

BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_CAP = datetime.timedelta(hours=1)


def _try_later(queued_task, attempt, *args):
    """Queue `queued_task(*args)` again after a relay's temporary failure; False when out of
    tries (or when the task backend cannot wait, as the tests' immediate one)."""
    if attempt >= settings.EMAIL_MAX_ATTEMPTS or not queued_task.get_backend().supports_defer:
        return False
    delay = min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP)
    # The task queue compares with the real time, not with nabuur.lib.clock's.
    queued_task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
    return True


def _run(queued_task, attempt, action, *args):
    """Run `action(*args)`; on a relay's temporary failure queue the task again (see above)."""
    try:
        action(*args)
    except OSError as error:
        # A relay's 5xx refuses this e-mail for good: trying again would only repeat it.
        final = isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500
        if final or not _try_later(queued_task, attempt, *args):
            raise
        logger.warning(
            "%s: the mail relay failed (%s); trying again later", queued_task.name, error
        )


def _documents(document_ids):
    return list(Document.objects.filter(pk__in=document_ids).order_by("kind"))


@task
def send_login_link(email, zone_id=None, attempt=1):
    """E-mail a login link if a resident has this address (services.send_login_link); on the
    site of the zone `zone_id`, where it was asked for."""
    _run(send_login_link, attempt, _login_link, email, zone_id)


def _login_link(email, zone_id=None):
    # A resident of several zones logs in on the site they asked on, where they are a member;
    # elsewhere (or asked without a zone) on the site of the zone they joined last.
    memberships = (
        Membership.objects.filter(user__email__iexact=email)
        .select_related("network__municipality__zone")
        .order_by("-requested_at")
    )
    membership = zone_id and memberships.filter(network__municipality__zone=zone_id).first()
    membership = membership or memberships.first()
    with links_to(membership.network.municipality.zone if membership else None):
        services.send_login_link(email)


# The e-mails below link to the site of their BIN's zone by themselves (emails.py).


def _join(network_id, street_id, document_ids, membership):
    network = Network.objects.select_related("municipality__zone").get(pk=network_id)
    try:
        services.request_membership(
            network=network,
            street=Street.objects.get(pk=street_id),
            documents=_documents(document_ids),
            **membership,
        )
    except services.MembershipExists as exists:
        services.remind_existing_member(exists.membership)


@task
def join(network_id, street_id, document_ids, membership, attempt=1):
    """Ask to join a BIN, or remind a member who asks again (both by e-mail).

    `membership` holds what services.request_membership takes besides the network, the street
    and the documents: the person, the house number, the box, the postcode and the language.
    """
    _run(join, attempt, _join, network_id, street_id, document_ids, membership)


def _request_address_check(zone_id, document_ids, address_request):
    zone = Zone.objects.get(pk=zone_id)
    services.request_address_check(zone=zone, documents=_documents(document_ids), **address_request)


@task
def request_address_check(zone_id, document_ids, address_request, attempt=1):
    """Queue a sign-up from outside every BIN for the zone's police and tell the person."""
    _run(
        request_address_check,
        attempt,
        _request_address_check,
        zone_id,
        document_ids,
        address_request,
    )


def _membership(membership_id):
    """The membership, or None if it went meanwhile (purged, erased): then nobody is told."""
    return (
        Membership.objects.select_related("user", "network__municipality__zone")
        .filter(pk=membership_id)
        .first()
    )


def _welcome(membership_id):
    if membership := _membership(membership_id):
        emails.send_welcome(membership)


@task
def send_welcome(membership_id, attempt=1):
    """Welcome a member whose confirmed sign-up made them one."""
    _run(send_welcome, attempt, _welcome, membership_id)


def _awaiting_approval(membership_id):
    if membership := _membership(membership_id):
        emails.send_awaiting_approval(membership)


@task
def send_awaiting_approval(membership_id, attempt=1):
    """Tell a resident who confirmed that a coordinator decides now."""
    _run(send_awaiting_approval, attempt, _awaiting_approval, membership_id)


def _new_member_to_approve(coordinator_id, membership_id):
    membership = _membership(membership_id)
    coordinator = User.objects.filter(pk=coordinator_id, is_active=True).first()
    if membership and coordinator:
        emails.send_new_member_to_approve(coordinator, membership)


@task
def send_new_member_to_approve(coordinator_id, membership_id, attempt=1):
    """Tell one of the BIN's coordinators that a confirmed sign-up waits for them."""
    _run(
        send_new_member_to_approve,
        attempt,
        _new_member_to_approve,
        coordinator_id,
        membership_id,
    )
