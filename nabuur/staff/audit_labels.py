"""What an audit entry means to the person it concerns, in words.

A member's "who viewed or exported my data" (members.views.me) reads each entry about them as a
sentence: "Your coordinator looked at your details on 3 May 2026." The log stores codes
(`members.view_member`, `coordinator`); this module turns them into words in the page's
language. It lives in staff, next to the roles and the audit log's viewer, below every app
that writes entries (the actions are only strings here: nothing is imported from those apps).

The audit log's viewer (staff.audit_views) reads the same codes for the staff: ACTIONS names
each action, `role_label` the role and `object_label` the object ("Membership number 13").

Every action the code writes is a key of ABOUT_YOU (tests/test_audit_labels.py scans the source
and fails on a missing one): a sentence where the entry can name a person among its subjects,
None where it never does. An action missing anyway, or a role unknown, reads as a generic
sentence, never as a code.
"""

from django.apps import apps
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
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
# The object an entry is about, in the log's viewer: "Membership number 13".
OBJECT = _("%(type)s number %(id)s")

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
    "api.token_zone_withdrawn": None,
    # The audit log itself: a search for a person concerns that person.
    "audit.head_exported": None,
    "audit.viewed": _("%(actor)s searched the audit log for entries about you on %(date)s."),
    # Items waiting too long (staff.waiting): a reminder, then a hand-over to the partners.
    "escalation.handed_over": _(
        "%(actor)s passed on to you a task that had waited too long, on %(date)s."
    ),
    "escalation.reminded": _("%(actor)s reminded you of a task waiting for you on %(date)s."),
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
    "members.left": _("You left a BIN on %(date)s."),
    "members.message_classes": _("You chose which messages you receive from a BIN on %(date)s."),
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
    "messaging.send_overdue": None,
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
    "networks.cap_exported": None,
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
    "privacy.erase_person": None,
    "privacy.export_zone": None,
    "privacy.offboard_zone": None,
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
    "zones.zone_created": None,
}


# What each action was, for the staff who read the audit log (staff.audit_views): a short
# phrase without the actor, who has a column of their own. Every key of ABOUT_YOU is here.
ACTIONS = {
    # Accounts
    "accounts.email_changed": _("Changed a login e-mail address"),
    "accounts.email_restored": _("Restored a former login e-mail address"),
    "accounts.invitation_accepted": _("Accepted an invitation"),
    # The API
    "api.token_created": _("Created an API key"),
    "api.token_revoked": _("Revoked an API key"),
    "api.token_used": _("Used an API key"),
    "api.token_zone_added": _("Gave an API key access to another zone"),
    "api.token_zone_withdrawn": _("Took a zone off an API key"),
    # The audit log
    "audit.head_exported": _("Downloaded the head of the audit log"),
    "audit.viewed": _("Read the audit log"),
    # Items waiting too long
    "escalation.handed_over": _("Passed a task that waited too long on to the partners"),
    "escalation.reminded": _("Sent a reminder of a waiting task"),
    # The charter and the yearly evaluation
    "evaluation.charter_budget_saved": _("Saved the budget of a charter"),
    "evaluation.charter_changed": _("Changed a charter"),
    "evaluation.charter_fod": _("Recorded the exchange of a charter with the FPS Interior"),
    "evaluation.charter_in_force": _("A charter came into force"),
    "evaluation.charter_pdf": _("Downloaded a charter"),
    "evaluation.charter_signatures_dropped": _("Withdrew the signatures of a changed charter"),
    "evaluation.charter_signed": _("Signed a charter"),
    "evaluation.charter_started": _("Started a new version of a charter"),
    "evaluation.opened": _("Opened a yearly evaluation"),
    "evaluation.pdf": _("Downloaded a yearly evaluation"),
    "evaluation.reminded": _("Sent a reminder to sign a yearly evaluation"),
    "evaluation.saved": _("Saved a yearly evaluation"),
    "evaluation.signed": _("Signed a yearly evaluation"),
    "evaluation.survey_answered": _("Answered the members' survey"),
    "evaluation.survey_sent": _("Sent the members' survey"),
    # Imports of existing member lists
    "imports.consent": _("Confirmed the consent of an imported member list"),
    "imports.delete_rows": _("Deleted the rows of an imported member list"),
    "imports.failed": _("An import of a member list failed"),
    "imports.import": _("Imported a member list"),
    "imports.preview": _("Looked at the preview of an imported member list"),
    "imports.unreadable": _("Uploaded a member list that could not be read"),
    "imports.upload": _("Uploaded a member list"),
    # Memberships
    "members.add_by_hand": _("Added a member by hand"),
    "members.address_request_assign": _("Placed a sign-up from outside every BIN in a BIN"),
    "members.address_request_close": _("Closed a sign-up from outside every BIN"),
    "members.address_request_expire": _("A sign-up from outside every BIN expired"),
    "members.address_request_viewed": _("Looked at a sign-up from outside every BIN"),
    "members.address_requests_viewed": _("Looked at the sign-ups from outside every BIN"),
    "members.approve": _("Approved a membership"),
    "members.decline": _("Declined a request to join"),
    "members.edit": _("Changed a member's details"),
    "members.export_list": _("Downloaded a member list"),
    "members.measure.confirm": _("Confirmed a measure against a member"),
    "members.measure.letter": _("Printed the letter about a measure"),
    "members.measure.letter_posted": _("Posted the letter about a measure"),
    "members.measure.propose": _("Proposed a measure against a member"),
    "members.measure.withdraw": _("Withdrew a proposed measure"),
    "members.rejoin_refused": _("Refused a new request to join after a measure"),
    "members.unsubscribe": _("Ended a membership at the member's request"),
    "members.left": _("Left a BIN (the member)"),
    "members.message_classes": _("Chose which message classes to receive (the member)"),
    "members.view_list": _("Looked at a member list"),
    "members.view_member": _("Looked at a member's details"),
    # Messages
    "messaging.approve": _("Approved a message"),
    "messaging.cancel": _("Cancelled a message"),
    "messaging.decline": _("Declined to forward a police message"),
    "messaging.draft": _("Wrote a draft message"),
    "messaging.edit": _("Changed a message"),
    "messaging.feedback": _("Rated a message"),
    "messaging.forward": _("Forwarded a police message"),
    "messaging.guardrail_override": _("Sent a message despite a warning"),
    "messaging.letters": _("Printed letters with a message"),
    "messaging.plan_saved": _("Saved a communication plan"),
    "messaging.send_overdue": _(
        "Sent a police message to the members that was not forwarded in time"
    ),
    "messaging.queue": _("Queued a message for sending"),
    "messaging.reject": _("Rejected a message"),
    "messaging.replies_deleted_after_retention": _(
        "Deleted replies at the end of their retention period"
    ),
    "messaging.replies_viewed": _("Looked at replies to a message"),
    "messaging.reply_handled": _("Dealt with a reply to a message"),
    "messaging.reply_received": _("Received a reply to a message"),
    "messaging.reply_sent_to_officers": _("Passed a reply on to the police"),
    "messaging.schedule": _("Scheduled a message"),
    "messaging.set_schedule": _("Changed the schedule of a message"),
    "messaging.submit": _("Submitted a message for approval"),
    "messaging.test_send": _("Sent a test e-mail of a message"),
    "messaging.unsubscribe_by_email": _("Left a BIN by e-mail"),
    # BINs and their roles
    "networks.cap_exported": _("Downloaded an alert file (CAP) for BE-Alert"),
    "networks.coordinator_measure": _("Recorded a measure concerning a coordinator"),
    "networks.create": _("Created a BIN"),
    "networks.merge": _("Merged two BINs"),
    "networks.roles_view": _("Looked at the coordinators and officers of a BIN"),
    "networks.segment_add": _("Added a street to a BIN"),
    "networks.segment_delete": _("Removed a street from a BIN"),
    "networks.segment_import": _("Imported the streets of a BIN"),
    "networks.segment_update": _("Changed a street of a BIN"),
    "networks.stop": _("Stopped a BIN"),
    "networks.update": _("Changed a BIN"),
    # Privacy
    "privacy.erase_after_retention": _("Erased personal data at the end of the retention period"),
    "privacy.erase_person": _("Erased a person's data held by the zone"),
    "privacy.export_zone": _("Exported the zone's data"),
    "privacy.offboard_zone": _("Erased the zone's data and ended the zone"),
    # Staff roles
    "staff.adult_confirmed": _("Confirmed being 18 or older"),
    "staff.invite": _("Appointed someone to a role"),
    "staff.role_end": _("Ended a role"),
    "staff.screening": _("Recorded a police screening"),
    "staff.zone_staff_view": _("Looked at the zone's staff"),
    "zones.settings_changed": _("Changed the zone's settings"),
    "zones.zone_created": _("Created the police zone (nabuur create_zone)"),
}


def actor_of(entry):
    """Who acted, in words: the role's phrase, "Someone" for a role without one."""
    return ACTORS.get(entry.actor_role, SOMEONE)


def about_you(entry):
    """The entry as a sentence to the person it concerns, in the active language."""
    sentence = ABOUT_YOU.get(entry.action) or GENERIC
    day = date_format(timezone.localtime(entry.created_at), "DATE_FORMAT")
    return sentence % {"actor": actor_of(entry), "date": day}


def action_label(action):
    """An audit action in words for the staff reading the log; an action without words (one
    written before its words were) is shown as its code rather than hidden."""
    return ACTIONS.get(action, action)


def role_label(role):
    """The role an entry was written in, in words ("coordinator", "Nabuur" for the system)."""
    if role in Kind.values:
        return Kind(role).label
    return ACTORS.get(role, role)


def object_label(entry):
    """The object an entry is about, by its model's name ("BIN number 13"), or "" for none."""
    if not entry.object_type:
        return ""
    try:
        name = capfirst(apps.get_model(entry.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        # A model that no longer exists: its stored name is all there is.
        name = entry.object_type
    if not entry.object_id:
        return name
    return OBJECT % {"type": name, "id": entry.object_id}
