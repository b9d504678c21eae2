"""No English and no raw codes on Dutch, French and German pages (issue 15, point 6).

Every page of tests/pages.py is rendered as its persona in nl, fr and de (the test client, no
browser) and its visible text (text nodes and the attributes a person reads or hears: alt,
title, aria-label, placeholder, button values) is checked for:

- a message id of our catalogue (locale/*/LC_MESSAGES/django.po) shown as it is, where the
  page's language translates it otherwise (or not yet): an English phrase on the page;
- raw codes: "networks.network #13", "person #1", "members.view_member", "police_zone",
  "None", "[object", template tags left over;
- French typography: a regular space, or none, before ":" ";" "!" "?" (the catalogue writes a
  no-break space, U+00A0; a narrow one, U+202F, is accepted too);
- Dutch: the informal "je", "jij", "jouw" (Nabuur addresses people with "u").

A failure lists every finding of the persona and language at once: page, rule, the text.
"""

import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings as django_settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import trans_real

from nabuur.accounts.adapters import user_display
from nabuur.accounts.models import User
from nabuur.networks.models import Side
from nabuur.staff import audit_labels
from nabuur.staff.auditing import record

from . import factories, pages
from .i18n import nl
from .test_staff_sessions import log_in_with_password_and_code

LOCALE = Path(__file__).resolve().parent.parent / "locale"

# Text a person reads or hears besides the text nodes.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
# Not read as text of the page's language: scripts, and what the page marks as not to be
# translated (HTML's translate="no": an e-mail's raw headers, a hash) or as code.
INVISIBLE = {"script", "style", "template", "noscript", "code", "kbd", "samp"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleText(HTMLParser):
    """The page's visible text, one string per text node or read attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self.skipping:
            self.skipping += tag not in VOID
            return
        if tag in INVISIBLE or values.get("translate") == "no":
            self.skipping = int(tag not in VOID)
            return
        for name in sorted(READ_ATTRIBUTES & values.keys()):
            self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in {"submit", "button"}:
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if self.skipping and tag not in VOID:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


# Runs of white space that a browser shows as one space. Not str.split(): it also splits on the
# no-break spaces French typography needs, and the check below would never see them.
SPACES = re.compile(r"[ \t\r\n\f]+")


def squash(text):
    return SPACES.sub(" ", text).strip(" ")


def visible_texts(html):
    """The page's visible texts, one per text node or read attribute, spaces normalised."""
    parser = VisibleText()
    parser.feed(html)
    return [text for part in parser.parts if (text := squash(part))]


# --- Untranslated message ids -----------------------------------------------------------------

# A placeholder of a msgid: %(name)s, %s, %d, {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
# Message ids too short to tell English from the page's language by themselves.
MIN_LETTERS = 4


def _catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def _translations(entry):
    if "fuzzy" in entry.flags:
        return []
    found = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
    return [squash(text) for text in found if text]


@cache
def own_single_words(language):
    """The one-word translations of `language`'s catalogue, lower case: words of the language."""
    return {
        text.lower()
        for entry in _catalogue(language)
        for text in _translations(entry)
        if " " not in text
    }


@cache
def untranslated(language):
    """(regex of the English phrases, set of the English single words) that `language` shows
    differently or not yet: seen as they are on a page in `language`, they are English.

    A phrase of two words or more is looked for anywhere in the page's text; a single word only
    as a whole text (a label, a column heading, a button), and not when it is a word of
    `language` too ("status", "website", "feedback" are Dutch as well)."""
    catalogue = [entry for entry in _catalogue(language) if not entry.obsolete]
    own_texts = [text for entry in catalogue for text in _translations(entry)]
    own_words = own_single_words(language)
    # A msgid in the page's language already ("FOD Binnenlandse Zaken") is not English.
    own_text = "\n".join(own_texts)
    phrases, words = set(), set()
    for entry in catalogue:
        translations = _translations(entry)
        for english in (entry.msgid, entry.msgid_plural):
            english = squash(english)
            if not english or english in translations:
                continue  # the same in both languages ("BIN", "E-mail", "Nabuur")
            literal = PLACEHOLDER.sub(" ", english)
            if len(re.findall(r"[A-Za-z]", literal)) < MIN_LETTERS:
                continue
            if len(literal.split()) > 1:
                if english not in own_text:
                    phrases.add(english)
            elif english.lower() not in own_words:
                words.add(english)
    return phrase_pattern(phrases), words


class UntranslatedRecorder:
    """Records every message id that gettext (and its plural and context forms) handed back
    untranslated while a page was rendered in nl, fr or de: the ids the catalogue lacks, new
    ones not yet extracted included. Strings the catalogue holds with the same text ("BIN")
    are translated, not recorded."""

    def __init__(self, monkeypatch):
        self.seen = set()
        trans = translation._trans
        real = {name: getattr(trans, name) for name in ("gettext", "ngettext", "pgettext")}
        real["npgettext"] = trans.npgettext

        def known(key):
            return key in trans_real.translation(translation.get_language())._catalog

        def checked():
            return translation.get_language() in pages.LANGUAGES

        def gettext(message):
            if checked() and message and not known(message):
                self.seen.add(message)
            return real["gettext"](message)

        def pgettext(context, message):
            if checked() and message and not known(f"{context}\x04{message}"):
                self.seen.add(message)
            return real["pgettext"](context, message)

        def ngettext(singular, plural, number):
            if checked() and not known((singular, 0)):
                self.seen.update((singular, plural))
            return real["ngettext"](singular, plural, number)

        def npgettext(context, singular, plural, number):
            if checked() and not known((f"{context}\x04{singular}", 0)):
                self.seen.update((singular, plural))
            return real["npgettext"](context, singular, plural, number)

        for name, function in [
            ("gettext", gettext),
            ("pgettext", pgettext),
            ("ngettext", ngettext),
            ("npgettext", npgettext),
        ]:
            monkeypatch.setattr(trans, name, function)

    def take(self):
        seen, self.seen = self.seen, set()
        return seen


def phrase_pattern(phrases):
    """A regex of `phrases` (message ids) as they read on a page, placeholders filled in."""
    parts = set()
    for phrase in phrases:
        # A placeholder at either end matches whatever stands there: only the words between.
        pieces = PLACEHOLDER.split(squash(phrase))
        while pieces and not pieces[0].strip():
            pieces.pop(0)
        while pieces and not pieces[-1].strip():
            pieces.pop()
        if not pieces:
            continue
        pieces[0], pieces[-1] = pieces[0].lstrip(), pieces[-1].rstrip()
        parts.add(r"[^.!?]{1,60}?".join(re.escape(piece) for piece in pieces))
    if not parts:
        return None
    parts = sorted(parts, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


# --- Raw codes --------------------------------------------------------------------------------

APPS = (
    "accounts|api|audit|evaluation|imports|mailbox|members|messaging|networks|operations"
    "|privacy|public|staff|zones"
)
RAW_CODES = [
    # A model instance's default name: "networks.network #13", "person #1", "invitation #2".
    ("model label", re.compile(r"\b[a-z_]+(?:\.[a-z_]+)? #\d+")),
    # An audit action or permission code: "members.view_member", "members.measure.confirm".
    ("code", re.compile(rf"(?<![\w@/.-])(?:{APPS})\.[a-z_]+(?:\.[a-z_]+)?(?![\w@/-])")),
    # An enum value: "police_zone", "zone_admin".
    ("enum value", re.compile(r"(?<![\w@/.%-])[a-z]+_[a-z_]+(?![\w@/.-])")),
    ("None", re.compile(r"\bNone\b")),
    ("True/False", re.compile(r"\b(?:True|False)\b")),
    ("script object", re.compile(r"\[object")),
    ("template tag", re.compile(r"\{\{|\}\}|\{%|%\}")),
]

# French: ":" ";" "!" "?" need a no-break space before them (U+00A0 or U+202F). Times
# ("12:30"), web addresses and "?" inside them are not punctuation of a sentence.
FRENCH_SPACE = [
    ("regular space before punctuation", re.compile(r"\w+ [:;!?](?=\s|$|[»)])")),
    ("no space before punctuation", re.compile(r"[^\W\d_]{2,}[:;!?](?=\s|$|[»)])")),
]
# Dutch: the informal address, as whole words ("huisje" and "meisje" are fine).
DUTCH_INFORMAL = re.compile(r"(?<![\w-])(?:je|jij|jou|jouw|jullie)(?![\w-])", re.IGNORECASE)


def problems_in(texts, language, rendered_untranslated=()):
    """(rule, found text, the text around it) of every problem in a page's visible texts;
    `rendered_untranslated` are the message ids gettext left as they were for the page."""
    if isinstance(texts, str):
        texts = [texts]
    text = " ".join(texts)
    phrases, words = untranslated(language)
    own_words = own_single_words(language)
    patterns = [("English", phrases), *RAW_CODES]
    new_phrases = {p for p in rendered_untranslated if len(PLACEHOLDER.sub(" ", p).split()) > 1}
    words = words | {
        p for p in set(rendered_untranslated) - new_phrases if p.lower() not in own_words
    }
    if new := phrase_pattern(
        p
        for p in new_phrases
        if len(re.findall(r"[A-Za-z]", PLACEHOLDER.sub(" ", p))) >= MIN_LETTERS
    ):
        patterns.append(("English", new))
    if language == "fr":
        patterns += FRENCH_SPACE
    if language == "nl":
        patterns.append(("informal Dutch", DUTCH_INFORMAL))
    matches = [(rule, match) for rule, pattern in patterns for match in pattern.finditer(text)]
    # One finding per place: "Messages sent" inside "Messages sent per year" is the same one.
    spans = [match.span() for rule, match in matches if rule == "English"]
    found = [
        (rule, match.group(0), text[max(match.start() - 40, 0) : match.end() + 40])
        for rule, match in matches
        if rule != "English"
        or not any(
            start <= match.start() and match.end() <= end and (start, end) != match.span()
            for start, end in spans
        )
    ]
    found += [("English", t, t) for t in texts if t.rstrip(":").strip() in words]
    return list(dict.fromkeys(found))


def rules(texts, language):
    return [(rule, found) for rule, found, _ in problems_in(texts, language)]


# --- The pages --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


def log_in(client, request, persona):
    if persona == "anonymous":
        return
    user = request.getfixturevalue(persona)
    if user.roles.exists():
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


# Pages that are not in the visitor's language by design.
NOT_TRANSLATED = {
    "api:docs": "the API's documentation is written for developers, in English",
}


def test_every_get_url_is_a_page_or_excluded():
    assert pages.coverage_problems() == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", pages.LANGUAGES)
@pytest.mark.parametrize("persona", pages.PERSONAS)
def test_pages_speak_the_language(client, request, monkeypatch, persona, language):
    log_in(client, request, persona)
    recorder = UntranslatedRecorder(monkeypatch)
    found, opened, missing = [], 0, set()
    for name, url in pages.pages(request, persona, language):
        if name in NOT_TRANSLATED:
            continue
        recorder.take()
        response = client.get(url, headers={"accept-language": language})
        rendered_untranslated = recorder.take()
        if response.status_code != 200:
            # Pages whose matrix entry allows another answer (allauth's second-factor steps).
            if response.status_code not in pages.allowed_statuses(name):
                found.append(f"{name} {url}: HTTP {response.status_code}")
            continue
        if not response["Content-Type"].startswith("text/html"):
            found.append(f"{name} {url}: not a page: add it to tests/pages.py NOT_PAGES")
            continue
        opened += 1
        texts = visible_texts(response.content.decode())
        text = " ".join(texts)
        missing |= {
            msgid
            for msgid in rendered_untranslated
            if (pattern := phrase_pattern([msgid])) and pattern.search(text)
        }
        found += [
            f"{name} {url} [{rule}] {text!r} in {around!r}"
            for rule, text, around in problems_in(texts, language, rendered_untranslated)
        ]
    assert opened, "no page was opened"
    # The message ids to translate come last, one per line, ready for the catalogue.
    assert found == [], (
        f"{len(found)} problems:\n"
        + "\n".join(sorted(set(found)))
        + f"\n\nShown untranslated in {language} ({len(missing)}):\n"
        + "\n".join(f"msgid {msgid!r}" for msgid in sorted(missing))
    )


@pytest.mark.django_db
def test_the_login_message_is_formal_and_names_the_person(client, zone_admin):
    # allauth's own: "Je bent nu ingelogd als person #12." (informal, and the log's name).
    zone_admin.first_name, zone_admin.last_name = "Ann", "Peeters"
    zone_admin.save(update_fields=["first_name", "last_name"])
    log_in_with_password_and_code(client, zone_admin)
    response = client.get("/nl/staff/")
    text = " ".join(visible_texts(response.content.decode()))
    assert nl("You are logged in as %(name)s.", name="Ann Peeters") in text
    assert "person #" not in text
    assert rules(text, "nl") == []


@pytest.mark.django_db
def test_a_bin_page_words_its_street_ranges_in_the_language(client, bin_a):
    street = factories.StreetFactory(municipality=bin_a.municipality, name_nl="Kerkstraat")
    factories.SegmentFactory(network=bin_a, street=street, number_to=99, side=Side.ODD)
    factories.SegmentFactory(network=bin_a, street=street, number_from=2, side=Side.EVEN)
    response = client.get(f"/nl/bin/{bin_a.slug}/")
    numbers = nl("; ").join(
        [
            f"{nl('%(start)s to %(end)s', start=1, end=99)}, {nl('odd numbers')}",
            f"{nl('from %(start)s', start=2)}, {nl('even numbers')}",
        ]
    )
    line = nl("<strong>%(street)s</strong>: %(numbers)s", street="Kerkstraat", numbers=numbers)
    assert line in response.text
    assert line.startswith("<strong>Kerkstraat</strong>: 1 tot 99, oneven nummers")


@pytest.mark.django_db
def test_the_audit_log_shows_actions_roles_and_objects_in_words(
    client, request, zone_admin, coordinator_a, member_a, bin_a
):
    # Today: "coordinator | members.view_member | members.membership #3".
    membership = member_a.memberships.get()
    record(
        coordinator_a, "members.view_member", place=bin_a, target=membership, subjects=[member_a]
    )
    log_in(client, request, "zone_admin")
    response = client.get("/nl/staff/audit/")
    row = response.context["page_obj"].object_list[0]
    assert (row.action_label, row.role_label, row.object_label) == (
        nl("Looked at a member's details"),
        nl("coordinator"),
        nl("%(type)s number %(id)s", type=nl("membership").capitalize(), id=membership.pk),
    )
    cells = re.findall(r"<td>(.*?)</td>", response.text)
    assert cells[2:4] == [
        f'<a href="?actor={coordinator_a.pk}">{coordinator_a.pk}</a><br>{row.role_label}',
        f"{escape(row.action_label)}<br>{escape(row.object_label)}",
    ]
    # The filter offers the actions in words too.
    assert (row.action, nl("Looked at a member's details")) in response.context["form"].fields[
        "action"
    ].choices
    assert "members.view_member" not in " ".join(visible_texts(response.text))


def test_people_are_named_by_name_or_address():
    user = User(pk=12, first_name="Ann", last_name="Peeters", email="ann@example.org")
    assert user_display(user) == "Ann Peeters"
    assert user_display(User(pk=12, email="ann@example.org")) == "ann@example.org"


# --- The checks themselves --------------------------------------------------------------------


def test_untranslated_catalogue_text_is_found():
    # A msgid that Dutch translates differently, shown as it is.
    text = "Welkom. Your coordinator looked at your details on 3 May 2026. Tot ziens."
    assert ("English", "looked at your details on 3 May 2026.") in rules(text, "nl")


def test_raw_codes_are_found():
    text = "Door person #1: members.view_member op networks.network #13 (police_zone), None."
    found = {rule for rule, _ in rules(text, "nl")}
    assert {"model label", "code", "enum value", "None"} <= found


def test_french_needs_a_no_break_space_before_punctuation():
    assert rules("Adresse : rue", "fr") == [("regular space before punctuation", "Adresse :")]
    assert rules("Adresse: rue", "fr") == [("no space before punctuation", "Adresse:")]
    assert rules("Adresse\u00a0: rue à 12:30, voir https://example.org/?a=1", "fr") == []
    assert rules("Vraiment\u202f?", "fr") == []


def test_informal_dutch_is_found_but_not_diminutives():
    assert rules("Je bent nu ingelogd.", "nl") == [("informal Dutch", "Je")]
    assert rules("Een tuinhuisje en een meisje.", "nl") == []


def test_every_audit_action_has_a_staff_label():
    # The audit viewer names each action in words: every action that has words for the person
    # it concerns has them for the staff reading the log too.
    assert set(audit_labels.ACTIONS) == set(audit_labels.ABOUT_YOU)
