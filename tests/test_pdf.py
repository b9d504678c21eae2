"""The PDFs a police zone sends out (charter, evaluation, measure letter, message letters): in
Dutch, French and German, with the zone's letterhead, page numbers, signature blocks and the
communication plan in full, and never a fetch from the network while they are drawn.

With NABUUR_PDF_SHOTS=<folder> the tests keep each PDF there, to look at (pdftoppm -png).
"""

import datetime
import http.server
import io
import os
import struct
import threading
import zlib
from pathlib import Path

import pytest
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from pypdf import PdfReader

from nabuur.evaluation import reports, services
from nabuur.lib import clock, pdf
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MeasureKind
from nabuur.members.services import measures
from nabuur.messaging import compose, letters
from nabuur.messaging.models import CommunicationPlan, MessageKind
from nabuur.messaging.plans import save_plan
from nabuur.staff.models import Role

from . import factories

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC)
# One municipality per language, as the language legislation has them.
PLACES = {
    "nl": ("11013", "Edegem", "Edegem", LanguageRegime.DUTCH, "BIN Centrum"),
    "fr": ("25112", "Waver", "Wavre", LanguageRegime.FRENCH, "PLP Centre"),
    "de": ("63023", "Eupen", "Eupen", LanguageRegime.GERMAN, "NIP Zentrum"),
}
SUBJECTS = {
    "nl": ("Inbraken in de wijk", "Sluit uw **ramen** en deuren."),
    "fr": ("Cambriolages dans le quartier", "Fermez vos **fenêtres** et portes."),
    "de": ("Einbrüche im Viertel", "Schließen Sie Ihre **Fenster** und Türen."),
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=list(PLACES))
def place(request, zone):
    """A BIN in a municipality of one language, with its three partners, each with a name."""
    language = request.param
    nis_code, name_nl, name_fr, regime, bin_name = PLACES[language]
    municipality = factories.MunicipalityFactory(
        nis_code=nis_code,
        name_nl=name_nl,
        name_fr=name_fr,
        name_de=name_fr,
        zone=zone,
        language_regime=regime,
    )
    network = factories.NetworkFactory(municipality=municipality, name=bin_name)
    people = {}
    for party, role, first, last, scope in [
        ("coordinator", Role.COORDINATOR, "Lotte", "Claes", {"network": network}),
        ("officer", Role.OFFICER, "Tom", "Maes", {"network": network}),
        (
            "municipality",
            Role.MUNICIPALITY_CONTACT,
            "Koen",
            "Wouters",
            {"municipality": municipality},
        ),
    ]:
        people[party] = factories.RoleFactory(
            role=role,
            user__first_name=first,
            user__last_name=last,
            user__language=language,
            **scope,
        ).user
    return language, network, people


def pages_of(data):
    """The text of each page, white space folded (lines wrap anywhere)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def words(language, msgid, **values):
    with translation.override(language):
        text = translation.gettext(msgid)
    return " ".join((text % values if values else text).split())


def long_date(language, value, format_name="DATE_FORMAT"):
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    with translation.override(language):
        return formats.date_format(value, format_name)


def assert_numbered(language, pages):
    """Every page says which page of how many it is, in the document's language."""
    for number, text in enumerate(pages, start=1):
        label = words(language, "Page %(page)s of %(pages)s", page=number, pages=len(pages))
        assert label in text, (number, text[-200:])


def keep(name, data):
    folder = os.environ.get("NABUUR_PDF_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder, name).write_bytes(data)


def test_the_charter_has_letterhead_numbered_pages_plan_and_signatures(place):
    language, network, people = place
    with clock.frozen_at(NOON):
        save_plan(
            network,
            people["officer"],
            police_direct_to_members=True,
            coordinator_needs_approval=False,
            allowed_kinds={"police": ["prevention", "information"], "coordinator": ["newsletter"]},
        )
        charter = services.start_charter(network, people["officer"])
        charter = services.sign_charter(charter, people["coordinator"])
        charter = services.sign_charter(charter, people["officer"])
    data = reports.charter_pdf(charter, people["officer"])
    keep(f"charter-{language}.pdf", data)
    pages = pages_of(data)
    text = " ".join(pages)

    assert len(pages) == 2
    assert_numbered(language, pages)
    # The letterhead on every page: the zone (no logo, so its name) and the title.
    title = words(language, "Charter of %(name)s", name=network.name)
    for page in pages:
        assert "Politiezone Test" in page
        assert title in page
    # The footer carries the zone's contact details.
    assert "Teststraat 1 2000 Antwerpen · 03 000 00 00 · info@pz-test.example" in pages[-1]
    # The plan in full: the version, each rule with its answer, the classes per side.
    plan_version = words(
        language, "Version %(version)s of %(date)s", version=1, date=long_date(language, NOON)
    )
    assert plan_version in text
    rule = CommunicationPlan._meta.get_field("police_direct_to_members").verbose_name
    with translation.override(language):
        rule = " ".join(str(rule).split())
        yes = translation.gettext("yes,no,maybe").split(",")[0]
    assert f"{capfirst(rule)} {capfirst(yes)}" in text
    assert words(language, "The police may send:") in text
    assert words(language, "newsletter") in text
    # Two signed in Nabuur with name and date; the municipality's contact has lines to sign.
    signed = words(
        language, "Signed in Nabuur on %(date)s", date=long_date(language, NOON, "DATETIME_FORMAT")
    )
    heading = words(language, "Signatures")
    # The heading's last mention (a draft's state may name signatures too).
    partners = text[: text.rindex(heading)]
    signatures = text[text.rindex(heading) + len(heading) :]
    for name in ("Lotte Claes", "Tom Maes", "Koen Wouters"):
        assert partners.count(name) == 1
    assert signatures.count(signed) == 2
    assert "Lotte Claes" in signatures and "Tom Maes" in signatures
    # The municipality's contact has not signed: lines for a name, a date and a signature.
    assert "Koen Wouters" not in signatures
    assert signatures.count(words(language, "Signature")) == 1


def test_the_evaluation_has_letterhead_numbered_pages_and_signatures(place):
    language, network, people = place
    evaluation = services.open_evaluation(network, 2025)
    services.save_evaluation(
        evaluation, people["officer"], {"compliance": "Het plan werd gevolgd."}
    )
    with clock.frozen_at(NOON):
        evaluation = services.sign_evaluation(evaluation, people["coordinator"])
    data = reports.evaluation_pdf(evaluation, people["officer"])
    keep(f"evaluation-{language}.pdf", data)
    pages = pages_of(data)
    text = " ".join(pages)

    # The figures (with the opt-outs per class and the coverage) run onto a fourth page.
    assert len(pages) == 4
    assert_numbered(language, pages)
    title = words(language, "Evaluation %(year)s of %(name)s", year=2025, name=network.name)
    for page in pages:
        assert "Politiezone Test" in page
        assert title in page
    assert "Het plan werd gevolgd." in text
    heading = words(language, "Signatures")
    signatures = text[text.rindex(heading) + len(heading) :]
    signed = words(
        language, "Signed in Nabuur on %(date)s", date=long_date(language, NOON, "DATETIME_FORMAT")
    )
    assert "Lotte Claes" in signatures and signed in signatures
    # The officer has not signed: lines for a name, a date and a signature.
    assert signatures.count(words(language, "Signature")) == 1


def test_the_measure_letter_is_one_numbered_page_signed_by_both_sides(place):
    language, network, people = place
    member = factories.MembershipFactory(
        network=network, user__email=None, user__first_name="Bart", user__last_name="Van Dyck"
    )
    with clock.frozen_at(NOON):
        measure = measures.propose_measure(
            people["coordinator"], member, MeasureKind.WRITTEN_REPRIMAND, "Deelde namen."
        )
        measures.confirm_measure(people["officer"], measure)
    measure.refresh_from_db()
    data = measures.measure_letter_pdf(people["officer"], measure)
    keep(f"measure-letter-{language}.pdf", data)
    pages = pages_of(data)

    assert len(pages) == 1
    assert_numbered(language, pages)
    text = pages[0]
    assert "Politiezone Test" in text
    assert words(language, "Written reprimand") in text
    assert "Bart Van Dyck" in text
    assert long_date(language, NOON.date()) in text
    # Signed by the coordinator who proposed it and the officer who confirmed it.
    closing = text[text.index(words(language, "Yours faithfully,")) :]
    assert capfirst(words(language, "coordinator")) in closing
    assert capfirst(words(language, "mandated officer")) in closing
    assert "Lotte Claes" in closing and "Tom Maes" in closing


def test_the_message_letters_are_one_page_per_member_with_the_letterhead(place):
    language, network, people = place
    street = factories.StreetFactory(municipality=network.municipality, name_nl="Kerkstraat")
    for first_name in ("Mariette", "Jozef"):
        factories.MembershipFactory(
            network=network,
            user__email=None,
            user__first_name=first_name,
            user__last_name="Claes",
            user__language=language,
            street=street,
            house_number=12,
        )
    message = compose.create_draft(
        people["coordinator"],
        kind=MessageKind.PREVENTION,
        networks=[network],
        variants={language: SUBJECTS[language]},
    )
    compose.submit_message(message, people["coordinator"])
    data = letters.letters_pdf(message, people["coordinator"], [network])
    keep(f"letters-{language}.pdf", data)
    pages = pages_of(data)

    assert len(pages) == 2
    assert "Mariette Claes" in pages[0] and "Jozef Claes" in pages[1]
    for text in pages:
        assert "Politiezone Test" in text
        assert SUBJECTS[language][0] in text
        # A batch for several members carries no page count across their letters.
        assert words(language, "Page %(page)s of %(pages)s", page=1, pages=2) not in text


class Recorder(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_GET(self):
        Recorder.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """A real HTTP server on 127.0.0.1 that notes every request it gets."""
    Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_document_fetches_nothing_from_the_network(web_server):
    html = f"""<!DOCTYPE html><html><head><title>t</title>
    <link rel="stylesheet" href="{web_server}/style.css">
    <style>@import url("{web_server}/import.css");
    body {{ background: url("{web_server}/background.png"); }}</style></head>
    <body><p>Text</p><img src="{web_server}/image.png" alt="">
    <img src="https://{web_server[7:]}/secure.png" alt=""><img src="file:///etc/hostname" alt="">
    </body></html>"""
    assert pages_of(pdf.render(html))[0].startswith("Text")
    assert Recorder.requests == []


def png(width, height, rgb):
    """A plain PNG of one colour, written by hand (the tests need no imaging library)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def images_on(data):
    """How many images each page draws."""
    counts = []
    for page in PdfReader(io.BytesIO(data)).pages:
        objects = page["/Resources"].get("/XObject", {})
        counts.append(
            sum(1 for ref in objects.values() if ref.get_object()["/Subtype"] == "/Image")
        )
    return counts


def test_the_zones_logo_heads_every_page_of_the_charter(place):
    language, network, people = place
    zone = network.municipality.zone
    charter = services.start_charter(network, people["officer"])
    before = reports.charter_pdf(charter, people["officer"])
    assert images_on(before) == [0, 0]
    zone.logo = png(60, 20, (18, 60, 105))
    zone.logo_content_type = "image/png"
    zone.save(update_fields=["logo", "logo_content_type"])

    data = reports.charter_pdf(charter, people["officer"])
    keep(f"charter-logo-{language}.pdf", data)
    assert images_on(data) == [1, 1]
    # The logo stands for the zone's name in the letterhead of each page.
    assert [page.count("Politiezone Test") for page in pages_of(data)] == [
        page.count("Politiezone Test") - 1 for page in pages_of(before)
    ]
