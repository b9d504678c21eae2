"""Every GET page of Nabuur as every persona: the list the words test (tests/test_words.py) and
the screenshot test (tests/browser/test_every_page.py) walk.

The URLs come from the URL resolver, their arguments and who may open them from the permission
matrix (tests/permission_matrix/): a page is on a persona's list when the matrix expects that
persona to get the page itself (a 200). A new GET URL is on the lists as soon as it has its
matrix entry; one that is not a page (a file, JSON, a redirect) must be named in NOT_PAGES with
the reason, or `test_every_get_url_is_a_page_or_excluded` (in tests/test_words.py) fails; a
listed URL that answers something other than HTML fails the words and screenshot tests.

`populate(ctx, language)` adds, around the personas' two BINs, one of each kind of thing a page
shows (street ranges, a sent message with its delivery, audit entries about a member), so that
the pages show their lists and not only "nothing yet"; it also lets the municipality speak the
page's language.
"""

from django.urls import reverse
from django.utils import translation

from nabuur.lib.languages import LanguageRegime
from nabuur.networks.models import Side
from nabuur.staff.auditing import record
from nabuur.staff.models import Role

from . import factories
from .permission_matrix import load_entries
from .permission_matrix.messaging import delivery_for
from .test_permission_matrix import SKIPPED, Ctx, expected_answer, url_names

# The personas of tests/conftest.py whose pages are checked: one of each kind of person.
PERSONAS = (
    "anonymous",
    "member_a",
    "coordinator_a",
    "officer_a",
    "municipality_contact",
    "zone_admin",
)
LANGUAGES = ("nl", "fr", "de")

FILE = "a file download, not a page"
JSON = "JSON for a script or another system, not a page"

# GET URLs with a matrix entry that are not HTML pages anyone reads, or whose page needs a
# state the matrix does not build. Each says why.
NOT_PAGES = {
    "api:api-root": "a redirect to the API's documentation",
    "api:bin": JSON,
    "api:bins": JSON,
    "api:bin_statistics": JSON,
    "api:dispatch_lookup": JSON,
    "api:lookup": JSON,
    "api:not_found": JSON,
    "api:openapi-json": JSON,
    "api:statistics": JSON,
    "api:zone": JSON,
    "health": JSON,
    "health_live": JSON,
    "metrics": "Prometheus figures for the zone's monitoring, not a page",
    "imports:progress_json": JSON,
    "staff:audit_head": FILE,
    "evaluation:charter_pdf": FILE,
    "evaluation:pdf": FILE,
    "evaluation:figures_csv": FILE,
    "evaluation:overview_zone_csv": FILE,
    "evaluation:overview_municipality_csv": FILE,
    "members:export": FILE,
    "members_staff:measure_letter": "the letter as a PDF",
    "messaging_staff:progress": JSON,
    "public:zone_logo": "the zone's logo, an image",
    "public:zone_theme": "the zone's colours, a stylesheet",
    "members_staff:export": "asks for the password again first, then a file download",
    "mailbox:message_raw": "the raw e-mail as text/plain",
    "mailbox:message_html": "the e-mail's own HTML, shown inside the message page's frame",
    "mfa_download_recovery_codes": FILE,
    "messaging_staff:letters": "asks for the password again first, then a PDF of letters",
    "messaging:privacy": "a redirect to the zone's privacy notice",
    "messaging:unsubscribe_any": "a redirect to the same link with its language",
    "mailbox:own": "a resident's own demo mail: only with the demo mailbox (404 otherwise)",
    "mailbox:own_message": "a resident's own demo mail: only with the demo mailbox",
    "mfa_authenticate": "a step of the staff login, only with a login under way",
    "mfa_login_webauthn": "answers the passkey script of the login page",
    # Token pages: the matrix checks them with an unknown token (404).
    "members:confirm": "the link in the join e-mail; its page is checked in tests/test_join.py",
    "messaging:unsubscribe": "the e-mail's unsubscribe link; checked in tests/test_replies.py",
    "account_invitation": "a staff invitation link; checked in tests/test_accounts.py",
    "account_email_undo": "the undo link e-mailed to an old address; tests/test_accounts.py",
}


ENTRIES = load_entries()


def is_get_page(entry):
    return entry.get("method", "get") == "get" and 200 in entry.get("ok", (200,))


def coverage_problems():
    """URL names that are neither a page of some persona nor excluded, and stale exclusions."""
    problems = []
    names = {name for name, _ in url_names()}
    for name in sorted(names):
        if name in SKIPPED or name in NOT_PAGES:
            continue
        if name not in ENTRIES:
            problems.append(f"{name}: no permission matrix entry (tests/permission_matrix/)")
            continue
        entry = ENTRIES[name][1]
        if entry.get("method", "get") != "get":
            continue  # a POST-only action: the page that offers it is on the list
        if not is_get_page(entry):
            problems.append(f"{name}: not a page (ok={entry.get('ok')}): add it to NOT_PAGES")
        elif not any(expected_answer(entry, persona) == "ok" for persona in PERSONAS):
            problems.append(f"{name}: no persona of tests/pages.py may open it")
    problems += [f"{name}: in NOT_PAGES but no such URL" for name in set(NOT_PAGES) - names]
    return problems


def page_names(persona):
    """The URL names of the pages `persona` gets, in a stable order."""
    return [
        name
        for name, (_, entry) in sorted(ENTRIES.items())
        if name not in NOT_PAGES
        and name not in SKIPPED
        and is_get_page(entry)
        and expected_answer(entry, persona) == "ok"
    ]


def allowed_statuses(name):
    """The answers a page's matrix entry allows besides the page itself (a factor not set up
    yet: 404; a step that sends on: 302)."""
    return set(ENTRIES[name][1].get("ok", (200,))) - {200}


def main_persona(name):
    """The persona a page is shown as when it is looked at once: the first of PERSONAS (the
    least powerful) who gets it."""
    return next(persona for persona in PERSONAS if name in page_names(persona))


# The personas' municipality speaks the page's language: a Dutch-only one would show its
# public pages in Dutch at a French address.
REGIMES = {
    "nl": LanguageRegime.BRUSSELS,
    "fr": LanguageRegime.BRUSSELS,
    "de": LanguageRegime.GERMAN_AND_FRENCH,
}


def populate(ctx, language="nl"):
    """One of each kind of thing the pages list, around the personas' BINs."""
    ctx.municipality.language_regime = REGIMES[language]
    ctx.municipality.save(update_fields=["language_regime"])
    bin_a = ctx.bin_a
    member = ctx.fixture("member_a")
    coordinator = ctx.fixture("coordinator_a")
    # A street range with an end and one without ("1 to 99", "all numbers").
    factories.SegmentFactory(network=bin_a, number_from=1, number_to=99, side=Side.ODD)
    factories.SegmentFactory(network=bin_a, number_from=2, number_to=None, side=Side.EVEN)
    factories.SegmentFactory(network=bin_a)
    # Another member, waiting for approval, and the zone's other staff.
    from nabuur.members.models import MembershipStatus

    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PENDING)
    factories.RoleFactory(role=Role.OFFICER, network=bin_a)
    # A message member A received.
    delivery_for(member, bin_a)
    # What the coordinator did with member A's data: the audit viewer and "who viewed my data".
    membership = member.memberships.get(network=bin_a)
    record(coordinator, "members.view_member", place=bin_a, target=membership, subjects=[member])
    record(coordinator, "members.view_list", place=bin_a, target=bin_a, subjects=[member])
    record(None, "networks.update", place=bin_a, target=bin_a, role="system")


def pages(request, persona, language="nl", names=None, with_data=True):
    """[(url name, url)] of every page `persona` gets (or of those among `names`), in
    `language`; logging in is the caller's. Each entry's kwargs are built here (they create the
    rows they need); `with_data` first adds the data of `populate`."""
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    ctx = Ctx(request, persona, user, request.getfixturevalue("settings"))
    if with_data:
        populate(ctx, language)
    found = []
    for name in page_names(persona):
        if names is not None and name not in names:
            continue
        entry = ENTRIES[name][1]
        if entry.get("setup"):
            entry["setup"](ctx)
        kwargs = entry.get("kwargs") or {}
        if callable(kwargs):
            kwargs = kwargs(ctx)
        if "lang" in kwargs:
            # The e-mail links carry the language of the e-mail.
            kwargs = {**kwargs, "lang": language}
        with translation.override(language):
            found.append((name, reverse(name, kwargs=kwargs)))
    return found
