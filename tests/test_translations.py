"""The translation catalogues are complete and up to date.

Complete: every entry of locale/<lang>/LC_MESSAGES/django.po (and djangojs.po) in Dutch, French
and German has a translation that is neither fuzzy nor a copy of the English text.
Up to date: `makemessages` run now finds exactly the strings the catalogue holds, so a string
added to the code but never extracted fails here instead of showing up in English.
"""

import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test.utils import override_settings

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locale"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "translations"
LANGUAGES = ("nl", "fr", "de")
DOMAINS = ("django", "djangojs")

# Texts that are rightly the same as the English in that language. Keep this list short: each
# entry is a word a translator would not change.
SAME_IN_EVERY_LANGUAGE = {
    "Nabuur",  # the product's name
    "BIN",  # the abbreviation the zones use in every language (FR also says RIQ)
    "BIN-Z",
    "112 BE",  # the name of the emergency app
    "OK",
    "Logo",
    "logo",
    # A street and its numbers; French puts a no-break space before the colon.
    "<strong>%(street)s</strong>: %(numbers)s",
}
SAME_AS_ENGLISH = {
    "nl": SAME_IN_EVERY_LANGUAGE | {"E-mail", "Demo", "Status", "Team"},
    "fr": SAME_IN_EVERY_LANGUAGE
    | {"E-mail", "Demo", "Nom", "Message", "Messages", "Date", "Signature"},
    "de": SAME_IN_EVERY_LANGUAGE | {"Name", "Status", "Team", "Demo"},
}
# Python format placeholders: a text made only of these and punctuation needs no translation.
PLACEHOLDER = re.compile(r"%(\([a-z_]+\))?[sdif]|\{[a-z_]*\}")
# Like `make messages`: what makemessages must not read.
IGNORED = [".venv/*", ".tools/*", "node_modules/*"]


def entry_key(entry):
    return (entry.msgctxt or "", entry.msgid)


def describe(entry):
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def copies_english(entry, allowed):
    """True when the translation is the English text and that is not expected."""
    words = PLACEHOLDER.sub("", entry.msgid)
    if entry.msgid in allowed or not any(char.isalpha() for char in words):
        return False
    if entry.msgid_plural:
        return entry.msgstr_plural.get(0) == entry.msgid
    return entry.msgstr == entry.msgid


def catalogue_problems(path, language):
    """One line per entry that is untranslated, fuzzy or copied from English."""
    allowed = SAME_AS_ENGLISH[language]
    problems = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not translations or any(not text.strip() for text in translations):
            problems.append(f"untranslated: {describe(entry)}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {describe(entry)}")
        elif copies_english(entry, allowed):
            problems.append(f"same as English: {describe(entry)}")
    return problems


def extracted_keys(source_dir, language, domain, work_dir):
    """The (context, msgid) pairs makemessages finds in source_dir now, as `make messages` runs it.

    Runs in a mirror of source_dir made of symlinks, writing into a throw-away locale folder, so
    the real catalogue is never touched. The mirror's folders are folders of its own: makemessages
    writes a temporary file beside each template it reads, and two of these tests running at
    once in one folder would delete each other's.
    """
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("xgettext not found: apt-get install gettext", pytrace=False)
        pytest.skip("xgettext not found (GNU gettext): apt-get install gettext")
    mirror = work_dir / "mirror"
    mirror.mkdir()
    skipped = {".git", ".venv", ".tools", "node_modules", "locale", "var"}
    for folder, folders, files in os.walk(source_dir):
        folders[:] = [
            name
            for name in folders
            if name not in skipped and not name.startswith(".") and name != "__pycache__"
        ]
        here = mirror / Path(folder).relative_to(source_dir)
        here.mkdir(exist_ok=True)
        for name in files:
            if not name.startswith("."):
                (here / name).symlink_to(Path(folder) / name)
    locale = mirror / "locale"
    locale.mkdir()
    cwd = Path.cwd()
    os.chdir(mirror)
    try:
        with override_settings(LOCALE_PATHS=[str(locale)]):
            call_command(
                "makemessages",
                locale=[language],
                domain=domain,
                symlinks=True,
                ignore_patterns=IGNORED,
                no_location=True,
                no_obsolete=True,
                verbosity=0,
            )
    finally:
        os.chdir(cwd)
    extracted = locale / language / "LC_MESSAGES" / f"{domain}.po"
    if not extracted.exists():
        return set()
    return {entry_key(entry) for entry in polib.pofile(str(extracted)) if not entry.obsolete}


def staleness_problems(catalogue, extracted):
    """What the catalogue lacks and what it holds that the code no longer uses."""
    held = {entry_key(entry) for entry in polib.pofile(str(catalogue)) if not entry.obsolete}
    held.discard(("", ""))
    missing = [f"not extracted: {msgid}" for _context, msgid in sorted(extracted - held)]
    unused = [f"no longer in the code: {msgid}" for _context, msgid in sorted(held - extracted)]
    return missing + unused


# The checks themselves, on fixtures that hold each mistake once.


def test_catalogue_problems_finds_untranslated_fuzzy_and_copied_entries():
    assert catalogue_problems(FIXTURES / "nl.po", "nl") == [
        "untranslated: House rules",
        "fuzzy: Privacy notice",
        "same as English: Accessibility statement",
        "untranslated: one member",
    ]


def test_staleness_problems_finds_new_and_vanished_strings(tmp_path):
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "views.py").write_text(
        "from django.utils.translation import gettext as _\n\n"
        'GREETING = _("Good morning")\n'
        'ADDED_LATER = _("A string added after the last extraction")\n'
    )
    (project / "app" / "page.html").write_text(
        '{% load i18n %}<p>{% translate "Good morning" context "greeting" %}</p>\n'
    )
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Good morning"\nmsgstr "Goedemorgen"\n\n'
        'msgctxt "greeting"\nmsgid "Good morning"\nmsgstr "Goeiemorgen"\n\n'
        'msgid "Gone from the code"\nmsgstr "Niet meer in de code"\n'
    )
    extracted = extracted_keys(project, "nl", "django", tmp_path)
    assert extracted == {
        ("", "Good morning"),
        ("greeting", "Good morning"),
        ("", "A string added after the last extraction"),
    }
    assert staleness_problems(catalogue, extracted) == [
        "not extracted: A string added after the last extraction",
        "no longer in the code: Gone from the code",
    ]


# The real catalogues.


def real_catalogues():
    return [
        pytest.param(language, domain, id=f"{language}-{domain}")
        for language in LANGUAGES
        for domain in DOMAINS
    ]


def catalogue_path(language, domain):
    if not LOCALE_DIR.exists():
        pytest.skip("locale/ does not exist yet: run `make messages` and translate")
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if domain == "djangojs" and not path.exists():
        pytest.skip("no djangojs.po: the site has no translated JavaScript")
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make messages`"
    return path


@pytest.mark.parametrize(("language", "domain"), real_catalogues())
def test_catalogue_is_completely_translated(language, domain):
    problems = catalogue_problems(catalogue_path(language, domain), language)
    assert problems == [], f"locale/{language}/LC_MESSAGES/{domain}.po:\n" + "\n".join(problems)


@pytest.mark.parametrize(("language", "domain"), real_catalogues())
def test_catalogue_holds_exactly_the_strings_of_the_code(language, domain, tmp_path):
    path = catalogue_path(language, domain)
    problems = staleness_problems(path, extracted_keys(ROOT, language, domain, tmp_path))
    assert problems == [], (
        f"locale/{language}/LC_MESSAGES/{domain}.po is stale (run `make messages`, then "
        "translate):\n" + "\n".join(problems)
    )
