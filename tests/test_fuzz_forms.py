"""Every form endpoint, anonymous and as every persona, fed with generated input (Hypothesis).

The endpoints come from the URL conf: every named URL, built as the permission matrix builds
it (tests/permission_matrix/: its arguments, objects and personas; token pages with a valid
token, VALID_TOKENS), is fuzzed when a page offers a form sent to it (POST or GET) or when its
view reads a POST's body. The fields come from the forms on the page itself or, for a POST-only
action, on the pages above it (a message's page offers its "approve" button). Each example
sends one submission: the page's own values mixed with huge (up to 1 MB), binary, NUL and
control-character, mixed-script, RTL and emoji values, wrong types, missing, repeated and extra
fields (among them the names views read outside forms, also in the query string), junk files
and broken bodies; the first persona also sends fuzz.CLASSICS to every field. It fails on

- any answer 5xx (or an exception: the test client raises what the view raised), and
- any change to the database left by a request that was refused: a 4xx, a persona the matrix
  refuses, a form shown again with errors, or an error message. A refused request may still
  touch the session, caches and the rate limits' counters, and a page shown again may record
  in the audit log that it showed personal data (a read, not a change).

Each example runs in a savepoint that is rolled back, so every example starts from the same
data. `NABUUR_FUZZ_EXAMPLES` sets the number of examples per endpoint and persona (see
docs/testing.md); with `CI=true` the examples are derived from the test's name, not random.
"""

import functools
import os
import re
from http.cookies import SimpleCookie

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import Max
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation
from hypothesis import HealthCheck, given, note
from hypothesis import example as hypothesis_example
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from nabuur.accounts.services import create_invitation
from nabuur.audit.models import AuditEntry
from nabuur.members.models import MembershipStatus
from nabuur.members.services import confirmation_token, send_login_link
from nabuur.staff.models import Role

from . import factories, fuzz
from .permission_matrix import PERSONAS
from .permission_matrix.messaging import delivery_for
from .sessions import mark_recently_authenticated
from .test_permission_matrix import (
    ENTRIES,
    URLS,
    Ctx,
    expected_answer,
    log_in_as,
    unscreened_coordinator_a,  # noqa: F401 (a persona's fixture)
)

# Examples per endpoint and persona that may use it; personas it refuses get a fifth. The
# first persona also sends fuzz.CLASSICS to each form.
EXAMPLES = int(os.environ.get("NABUUR_FUZZ_EXAMPLES", "6"))

hypothesis_settings.register_profile(
    "nabuur-fuzz",
    max_examples=EXAMPLES,
    # A request with a megabyte of input takes longer than Hypothesis expects of a test.
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    # Failing inputs are kept in .hypothesis/ (which ignores itself in git) and tried first
    # next time: Hypothesis's default database.
    print_blob=True,
)
# CI: the same examples on every run, so a red build can be reproduced.
hypothesis_settings.register_profile(
    "nabuur-fuzz-ci",
    parent=hypothesis_settings.get_profile("nabuur-fuzz"),
    derandomize=True,
    database=None,
)
PROFILE = hypothesis_settings.get_profile(
    "nabuur-fuzz-ci" if os.environ.get("CI") == "true" else "nabuur-fuzz"
)

# Rows a refused request may write: the session (allauth keeps a login's state there, Nabuur
# the second-factor check), caches, and the rate limits' counters (a wrong password counts).
MAY_CHANGE_WHEN_REFUSED = {"django_session", "operations_ratecounter"} | {
    cache["LOCATION"]
    for cache in django_settings.CACHES.values()
    if cache["BACKEND"].endswith("DatabaseCache")
}


def arguments(patterns=None, namespace=(), outer=()):
    """{URL name: the names of its arguments}, walking includes as url_names() does."""
    found = {}
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        inner = (*outer, *pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            names = (*namespace, pattern.namespace) if pattern.namespace else namespace
            found.update(arguments(pattern.url_patterns, names, inner))
        elif pattern.name:
            found[":".join((*namespace, pattern.name))] = inner
    return found


def dummy_kwargs(name):
    """Arguments for a URL without a matrix entry (allauth's key pages): "1" for each."""
    return dict.fromkeys(arguments()[name], "1")


def _token_in_last_mail(marker):
    return re.search(rf"{marker}([^/\s]+)/", mail.outbox[-1].body)[1]


def _invitation(ctx):
    role = factories.RoleFactory(role=Role.COORDINATOR, network=ctx.bin_a)
    _invitation, link = create_invitation(role.user, role_assignment=role)
    return {"token": link.rstrip("/").rsplit("/", 1)[1]}


def _login_link(ctx):
    # Residents have no password; only they get login links.
    resident = factories.UserFactory(password=None)
    resident.set_unusable_password()
    resident.save(update_fields=["password"])
    factories.MembershipFactory(user=resident, network=ctx.bin_a)
    send_login_link(resident.email)
    return {"token": _token_in_last_mail("/me/login/")}


def _confirmation(ctx):
    membership = factories.MembershipFactory(
        network=ctx.bin_a, status=MembershipStatus.PENDING, confirmed_at=None
    )
    return {"token": confirmation_token(membership)}


def _delivery_token(ctx):
    """The token of a link in an e-mail member A received."""
    return delivery_for(ctx.fixture("member_a"), ctx.bin_a).token


# The matrix opens token pages with an unknown token (their answer to a broken link); behind a
# valid one are the forms to fuzz.
VALID_TOKENS = {
    "account_invitation": _invitation,
    "members:login_link": _login_link,
    "members:confirm": _confirmation,
    "messaging:unsubscribe": lambda ctx: {"lang": "nl", "token": _delivery_token(ctx)},
    "messaging:unsubscribe_any": lambda ctx: {"token": _delivery_token(ctx)},
}


def entry_for(name):
    if name in ENTRIES:
        return ENTRIES[name][1]
    # allauth pages the matrix leaves out (its reasons are in SKIPPED), and a URL still missing
    # from the matrix (its own test fails): fuzzed as pages anyone may open, with made-up keys.
    return {"capability": "public", "object": None}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


class Persona:
    """A persona signed in on a client of its own."""

    def __init__(self, request, persona, entry):
        self.name = persona
        client = Client()
        self.user = log_in_as(client, request, persona)
        if self.user is not None:
            # Role changes ask for the password again unless the login is recent.
            mark_recently_authenticated(client.session, self.user)
        self.cookies = client.cookies
        self.allowed = expected_answer(entry, persona) == "ok"

    def client(self):
        # A fresh client each time: a request that logs out must not log out the next one.
        client = Client()
        client.cookies = SimpleCookie()
        client.cookies.load({key: morsel.value for key, morsel in self.cookies.items()})
        return client


def url_for(request, settings, persona, name, entry):
    """The URL as the permission matrix builds it for this persona (objects included)."""
    ctx = Ctx(request, persona.name, persona.user, settings)
    if entry.get("setup"):
        entry["setup"](ctx)
    kwargs = VALID_TOKENS.get(name, entry.get("kwargs"))
    if kwargs is None:
        kwargs = dummy_kwargs(name)
    if callable(kwargs):
        kwargs = kwargs(ctx)
    with translation.override("nl"):
        return reverse(name, kwargs=kwargs)


def parents(url):
    """/nl/staff/messages/5/approve/ → /nl/staff/messages/5/, /nl/staff/messages/."""
    parts = url.rstrip("/").split("/")
    return ["/".join(parts[:end]) + "/" for end in range(len(parts) - 1, 2, -1)][:2]


def path_of(action):
    return action.split("?", 1)[0]


def discover(persona, url, look_above):
    """The forms sent to `url`: on its own page, else (`look_above`) on the pages above it."""
    found = []
    for page in [url, *parents(url)] if look_above else [url]:
        response = persona.client().get(page)
        assert response.status_code < 500, f"GET {page} as {persona.name}"
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            html = response.content.decode(errors="replace")
            found += [form for form in fuzz.forms_on(html, page) if path_of(form.action) == url]
        if found:
            break
    return found


def reads_post(persona, url, data):
    """Whether the view reads a POST's body (tried in a savepoint that is rolled back).

    A page that answers a POST as a GET is no form endpoint; Django's test client skips the
    CSRF check, so nothing but the view (or allauth's) reads the body.
    """
    with transaction.atomic():
        response = persona.client().post(url, data)
        transaction.set_rollback(True)
    read = vars(response.wsgi_request)
    return response.status_code != 405 and ("_post" in read or "_body" in read)


def sent_to(form, url):
    """The same form, sent to another persona's URL (with the form's query, if any)."""
    query = form.action.partition("?")[2]
    return fuzz.Form(form.method, url + (f"?{query}" if query else ""), form.fields, form.buttons)


def refusal(response, persona):
    """Why the answer counts as a refusal, or None if the request went through."""
    if not persona.allowed:
        return "the permission matrix refuses this persona"
    if response.status_code >= 400:
        return f"status {response.status_code}"
    for value in context_values(response):
        if isinstance(value, BaseForm) and value.is_bound and value.errors:
            return f"the form came back with errors {dict(value.errors)}"
        if isinstance(value, BaseFormSet) and value.is_bound and value.total_error_count():
            return "the formset came back with errors"
    errors = [
        str(message)
        for message in get_messages(response.wsgi_request)
        if message.level >= message_levels.ERROR
    ]
    if errors:
        return f"error message {errors}"
    return None


def context_values(response):
    contexts = response.context or []
    if not isinstance(contexts, list):
        contexts = [contexts]
    for context in contexts:
        for value in context.flatten().values():
            yield value
            if isinstance(value, dict):
                yield from value.values()
            elif isinstance(value, list | tuple):
                yield from value


# A page that shows personal data records that it did (staff.auditing.record_view): also when
# it comes back with a form's errors. Such an entry records a read, not a change.
READ_ACTION = re.compile(r"(^|[._])view(ed)?($|_)")
AUDIT_TABLES = {model._meta.db_table for model in apps.get_app_config("audit").get_models()}


def recorded_reads_only(since):
    actions = AuditEntry.objects.filter(seq__gt=since).values_list("action", flat=True)
    return all(READ_ACTION.search(action) for action in actions)


@functools.cache
def tables():
    names = connection.introspection.table_names()
    return [name for name in sorted(names) if name not in MAY_CHANGE_WHEN_REFUSED]


def fuzz_one(persona, forms, examples, label, classics=False):
    """Run Hypothesis on one persona's forms: no 5xx, no change left by a refused request.

    With `classics`, each form first gets fuzz.CLASSICS in every field.
    """
    before = fuzz.fingerprint(connection, tables())
    last_seq = AuditEntry.objects.aggregate(last=Max("seq"))["last"] or 0

    def attempt(form, submission):
        where = f"{form.method.upper()} {form.action} as {persona.name}"
        note(where)
        for cache in caches.all():
            cache.clear()
        mail.outbox = []
        writes = fuzz.Writes()
        with transaction.atomic():
            try:
                with connection.execute_wrapper(writes):
                    response = fuzz.send(persona.client(), form.method, form.action, submission)
                assert response.status_code < 500, f"{where} answered {response.status_code}"
                why = refusal(response, persona)
                if why and writes.tables - MAY_CHANGE_WHEN_REFUSED:
                    after = fuzz.fingerprint(connection, tables())
                    # The page shown again: its record of the personal data it shows may stay.
                    shown = persona.allowed and response.status_code == 200
                    if shown and recorded_reads_only(last_seq):
                        after.update({table: before[table] for table in AUDIT_TABLES})
                    changed = fuzz.changes(before, after)
                    assert not changed, (
                        f"{where} was refused ({why}) but changed the database:\n"
                        + "\n".join(changed)
                    )
            finally:
                transaction.set_rollback(True)

    def example(form_and_submission):
        attempt(*form_and_submission)

    # A name of its own per endpoint and persona: Hypothesis keeps failing examples under it.
    example.__name__ = re.sub(r"\W", "_", label)
    strategy = st.one_of([st.tuples(st.just(form), fuzz.submissions(form)) for form in forms])
    test = given(strategy)(example)
    for form in forms if classics else []:
        for submission in fuzz.classic_submissions(form):
            test = hypothesis_example((form, submission))(test)
    hypothesis_settings(PROFILE, max_examples=examples)(test)()


def persona_order(entry):
    """Scouts first, who look for the forms: the widest scope among those who may use the page
    (a second factor, every BIN), a member and an anonymous visitor, whose pages differ most.
    Then the others who may use it, then those it refuses: they send the forms found."""
    allowed = [p for p in reversed(PERSONAS) if expected_answer(entry, p) == "ok"]
    scouts = [p for p in allowed if p in (*allowed[:1], "member_a", "anonymous")]
    others = [p for p in allowed if p not in scouts]
    refused = [p for p in reversed(PERSONAS) if p not in allowed]
    return scouts, [*scouts, *others, *refused]


@pytest.mark.django_db
@pytest.mark.parametrize("name", [name for name, _ in URLS])
def test_forms_survive_generated_input(request, settings, name):
    entry = entry_for(name)
    scouts, order = persona_order(entry)
    for persona in order:
        # Every persona exists before the first savepoint (a matrix entry may ask for one).
        if persona != "anonymous":
            request.getfixturevalue(persona)
    known, takes_post, classics = [], False, True
    for persona_name in order:
        scout = persona_name in scouts
        if not (scout or known or takes_post):
            # The scouts found neither a form nor a view that reads a POST.
            return
        persona = Persona(request, persona_name, entry)
        # The matrix's objects are made anew for each persona (a message they wrote, …).
        with transaction.atomic():
            url = url_for(request, settings, persona, name, entry)
            found = discover(persona, url, look_above=not known) if persona.allowed else []
            known = known or found
            forms = found or [sent_to(form, url) for form in known]
            posts = any(form.method == "post" for form in forms)
            if scout and not (posts or takes_post):
                takes_post = reads_post(persona, url, entry.get("data", {}))
            if takes_post and not posts:
                # No form found (a POST-only action): the matrix's data, plus what Hypothesis adds.
                fields = {
                    key: fuzz.Field(key, "text", [value])
                    for key, value in entry.get("data", {}).items()
                }
                forms.append(fuzz.Form("post", url, fields))
            if forms:
                examples = EXAMPLES if persona.allowed else max(1, EXAMPLES // 5)
                label = f"fuzz {name} as {persona.name}"
                fuzz_one(persona, forms, examples, label, classics=classics)
                classics = False
            transaction.set_rollback(True)
