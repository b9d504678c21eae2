"""Publishing the privacy notice and house rules: every language, sanitized, versioned."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from nabuur.zones.documents import clean_html, publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Document, DocumentKind

from . import factories


def in_language(language, msgid, **values):
    with translation.override(language):
        text = gettext(msgid)
    return text % values if values else text


def test_publish_privacy_notice_stores_version_1_in_every_language(zone):
    document = publish_privacy_notice(zone)
    assert (document.kind, document.version) == (DocumentKind.PRIVACY_NOTICE, 1)
    for language in ("nl", "fr", "de", "en"):
        body = getattr(document, f"body_{language}")
        heading = in_language(language, "Who is responsible for your data")
        assert f'<h2 id="controller">{heading}</h2>' in body
        assert "privacy@pz-test.example" in body
        assert "dpo@pz-test.example" in body
        assert "style" not in body
        assert "<script" not in body
    english = document.body_en
    assert "The controller of your data is the police zone: Politiezone Test." in english
    assert "article 6.1.a" in english
    assert "article 6.1.e" in english
    assert "When you leave, your data is deleted 30 days later." in english
    assert "A sign-up that is not confirmed is deleted after 7 days." in english
    assert (
        "a hash (a one-way fingerprint) of the e-mail address and the address, for 1825 days"
        in (english)
    )
    assert "Other members never see your name" in english
    assert "GBA" in english
    assert "COC" in english
    assert "no analytics" in english


def test_publishing_the_same_text_again_keeps_the_current_version(zone):
    first = publish_privacy_notice(zone)
    again = publish_privacy_notice(zone)
    assert again.pk == first.pk
    assert Document.objects.filter(zone=zone, kind=DocumentKind.PRIVACY_NOTICE).count() == 1


def test_a_changed_zone_setting_publishes_a_new_version(zone):
    first = publish_privacy_notice(zone)
    zone.retention_left_days = 60
    zone.save(update_fields=["retention_left_days"])
    second = publish_privacy_notice(zone)
    assert second.version == 2
    assert "When you leave, your data is deleted 60 days later." in second.body_en
    # The old version stays as it was: members accepted that text.
    first.refresh_from_db()
    assert "30 days later" in first.body_en


def test_the_controller_kind_changes_who_the_notice_names(zone):
    zone.controller_kind = "municipality"
    zone.controller_name = "Gemeente Edegem"
    zone.save(update_fields=["controller_kind", "controller_name"])
    english = publish_privacy_notice(zone).body_en
    assert "The controller of your data is the municipality: Gemeente Edegem." in english
    # Without the police zone as controller, the public-interest basis is not claimed.
    assert "article 6.1.e" not in english


def test_publish_house_rules_stores_the_rules_in_every_language(zone):
    document = publish_house_rules(zone)
    assert (document.kind, document.version) == (DocumentKind.HOUSE_RULES, 1)
    english = document.body_en
    assert "call <strong>101</strong>, or <strong>112</strong>" in english
    assert "<strong>112 BE</strong> app" in english
    assert "29 July 1934" in english
    assert "10 May 2007" in english
    assert "Ministerial Circular of 28 February 2019" in english
    assert "a written reprimand;" in english
    assert "a temporary suspension" in english
    assert "a permanent suspension" in english
    assert "No political or commercial use" in english
    assert "You can leave the BIN at any time" in english
    for language in ("nl", "fr", "de"):
        assert getattr(document, f"body_{language}")
    assert publish_house_rules(zone).pk == document.pk


def test_house_rules_follow_the_zone_numbers(zone):
    publish_house_rules(zone)
    zone.non_emergency_number = "101 (24/7)"
    zone.save(update_fields=["non_emergency_number"])
    second = publish_house_rules(zone)
    assert second.version == 2
    assert "<strong>101 (24/7)</strong>" in second.body_en


def test_each_zone_has_its_own_versions(zone):
    other = factories.ZoneFactory(slug="pz-noord", name="Politiezone Noord")
    assert publish_house_rules(zone).version == 1
    assert publish_house_rules(other).version == 1


def test_the_published_rules_show_on_the_public_page(client, municipality):
    publish_house_rules(municipality.zone)
    html = client.get("/nl/house-rules/").text
    assert '<h2 id="reporting">' in html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<p style="color:red">Hi</p>', "<p>Hi</p>"),
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="mailto:a@b.example" onclick="x()">a</a>', '<a href="mailto:a@b.example">a</a>'),
        ("<p>\n\n  One\n\n</p>", "<p>\nOne\n</p>"),
    ],
)
def test_clean_html_keeps_structure_and_drops_the_rest(dirty, clean):
    assert clean_html(dirty) == clean
