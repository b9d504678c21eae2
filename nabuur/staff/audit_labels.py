"""What an audit entry means to the person it concerns, in words.

A member's "who viewed or exported my data" (members.views.me) reads each entry about them as a
sentence: "Your coordinator looked at your details on 3 May 2026." The log stores codes
(`members.view_member`, `coordinator`); this module turns them into words in the page's
language. It lives in staff, next to the roles and the audit log's viewer, below every app
that writes entries (the actions are only strings here: nothing is imported from those apps).

Every action the code writes is a key of ABOUT_YOU (tests/test_audit_labels.py scans the source
and fails on a missing one): a sentence where the entry can name a person among its subjects,
None where it never does. An action missing anyway, or a role unknown, reads as a generic
sentence, never as a code.
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .permissions import Kind

# Who acted, as the subject of the sentence, by the role stored in the entry.
ACTORS = {
    Kind.COORDINATOR: _("Your coordinator"),
    Kind.OFFICER: _("A police officer"),
    Kind.MUNICIPALITY_CONTACT: _("Your municipality's contact person"),
    Kind.ZONE_ADMIN: _("An administrator of the police zone"),
    Kind.MEMBER: _("A member"),
    # A scheduled job, or an action without a person (staff.auditing passes "system").
    "system": _("Nabuur"),
    # Another system of the zone through the API (api.services).
    "api_token": _("Another system of the police zone"),
}
SOMEONE = _("Someone")

GENERIC = _("%(actor)s worked with your data on %(date)s.")

# %(actor)s is one of ACTORS, %(date)s the day. A sentence without %(actor)s names nobody: the
# person acted themselves, through a link in an e-mail, or Nabuur acted on what they sent.
ABOUT_YOU = {
    # Accounts
    "accounts.email_changed": _("%(actor)s changed your login e-mail address on %(date)s."),
    "accounts.email_restored": _("Your former login e-mail address was restored on %(date)s."),
    "accounts.invitation_accepted": _("You accepted your invitation on %(date)s."),
    # The API's tokens name no person.
    "api.token_created": None,
    "api.token_revoked": None,
    "api.token_used": None,
    "api.token_zone_added": None,
    # The audit log itself: a search for a person concerns that person.
    "audit.head_exported": None,
    "audit.viewed": _("%(actor)s searched the audit log for entries about you on %(date)s."),
    # The charter and the yearly evaluation
    "evaluation.charter_budget_saved": None,
    "evaluation.charter_changed": None,
    "evaluation.charter_fod": None,
    "evaluation.charter_in_force": None,
    "evaluation.charter_pdf": _("%(actor)s downloaded a charter that names you on %(date)s."),
    "evaluation.charter_signatures_dropped": None,
    "evaluation.charter_signed": None,
    "evaluation.charter_started": None,
    "evaluation.opened": None,
    "evaluation.pdf": None,
    "evaluation.reminded": _(
        "%(actor)s reminded you to sign the yearly evaluation of your BIN on %(date)s."
    ),
    "evaluation.saved": None,
    "evaluation.signed": None,
    "evaluation.survey_answered": None,
    "evaluation.survey_sent": None,
    # A coordinator's import of an existing member list (the rows are not yet members).
    "imports.consent": None,
    "imports.delete_rows": None,
    "imports.failed": None,
    "imports.import": None,
    "imports.preview": None,
    "imports.unreadable": None,
    "imports.upload": None,
    # Memberships
    "members.add_by_hand": _("%(actor)s added you as a member on %(date)s."),
    "members.address_request_assign": _(
        "%(actor)s placed your sign-up, from outside every BIN, in a BIN on %(date)s."
    ),
    # A request that is closed or expires is forgotten: it names nobody.
    "members.address_request_close": None,
    "members.address_request_expire": None,
    "members.address_request_viewed": None,
    "members.address_requests_viewed": None,
    "members.approve": _("%(actor)s approved your membership on %(date)s."),
    "members.decline": _("%(actor)s declined your request to join on %(date)s."),
    "members.edit": _("%(actor)s changed your details on %(date)s."),
    "members.export_list": _(
        "%(actor)s downloaded the member list, with your details, on %(date)s."
    ),
    "members.measure.confirm": _("%(actor)s confirmed a measure against you on %(date)s."),
    "members.measure.letter": _(
        "%(actor)s printed the letter that tells you of a measure on %(date)s."
    ),
    "members.measure.letter_posted": _(
        "%(actor)s posted the letter that tells you of a measure on %(date)s."
    ),
    "members.measure.propose": _("%(actor)s proposed a measure against you on %(date)s."),
    "members.measure.withdraw": _("%(actor)s withdrew a proposed measure against you on %(date)s."),
    "members.rejoin_refused": None,
    "members.unsubscribe": _("%(actor)s ended your membership at your request on %(date)s."),
    "members.view_list": _("%(actor)s looked at the member list, with your details, on %(date)s."),
    "members.view_member": _("%(actor)s looked at your details on %(date)s."),
    # Messages
    "messaging.approve": None,
    "messaging.cancel": None,
    "messaging.decline": None,
    "messaging.draft": None,
    "messaging.edit": None,
    "messaging.feedback": _("Your rating of a message was recorded on %(date)s."),
    "messaging.forward": None,
    "messaging.guardrail_override": None,
    "messaging.letters": _("%(actor)s printed a letter to you with a message on %(date)s."),
    "messaging.plan_saved": None,
    "messaging.queue": None,
    "messaging.reject": None,
    # A member's reply to a message (messaging.replies).
    "messaging.replies_deleted_after_retention": None,
    "messaging.replies_viewed": _("%(actor)s looked at your reply to a message on %(date)s."),
    "messaging.reply_handled": _("%(actor)s dealt with your reply to a message on %(date)s."),
    "messaging.reply_received": _("Your reply to a message was received on %(date)s."),
    "messaging.reply_sent_to_officers": _(
        "Your reply to a message was passed on to the police on %(date)s."
    ),
    "messaging.schedule": None,
    "messaging.set_schedule": None,
    "messaging.submit": None,
    "messaging.test_send": _("%(actor)s sent you a test e-mail of a message on %(date)s."),
    "messaging.unsubscribe_by_email": _("You left your BIN by sending an e-mail on %(date)s."),
    # BINs and their roles
    "networks.coordinator_measure": _(
        "%(actor)s recorded a measure concerning your role on %(date)s."
    ),
    "networks.create": None,
    "networks.merge": _(
        "%(actor)s moved your membership to another BIN when two BINs merged on %(date)s."
    ),
    "networks.roles_view": _(
        "%(actor)s looked at the coordinators and officers of a BIN, you among them, on %(date)s."
    ),
    "networks.segment_add": None,
    "networks.segment_delete": None,
    "networks.segment_import": None,
    "networks.segment_update": None,
    "networks.stop": _("%(actor)s stopped your BIN, which ended your membership, on %(date)s."),
    "networks.update": None,
    # Erasure after the retention period names the person only inside its details.
    "privacy.erase_after_retention": None,
    # Staff roles
    "staff.adult_confirmed": _(
        "Your confirmation that you are 18 or older was recorded on %(date)s."
    ),
    "staff.invite": _("%(actor)s appointed you to a role on %(date)s."),
    "staff.role_end": _("%(actor)s ended your role on %(date)s."),
    "staff.screening": _("%(actor)s recorded your police screening on %(date)s."),
    "staff.zone_staff_view": _(
        "%(actor)s looked at the zone's staff, you among them, on %(date)s."
    ),
    "zones.settings_changed": None,
}


def actor_of(entry):
    """Who acted, in words: the role's phrase, "Someone" for a role without one."""
    return ACTORS.get(entry.actor_role, SOMEONE)


def about_you(entry):
    """The entry as a sentence to the person it concerns, in the active language."""
    sentence = ABOUT_YOU.get(entry.action) or GENERIC
    day = date_format(timezone.localtime(entry.created_at), "DATE_FORMAT")
    return sentence % {"actor": actor_of(entry), "date": day}
