"""The zone's settings page: contact details, data controller, retention periods."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import translation
from django.utils.translation import ngettext

from nabuur.audit.models import AuditEntry
from nabuur.audit.services import verify_chain
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import ControllerKind, Document, DocumentKind, Zone
from nabuur.zones.services import ZONE_SETTINGS, change_zone_settings

from .i18n import nl
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db

URL = "/nl/staff/zone/pz-test/settings/"


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    # The settings ask for a recent login before a change, like role changes.
    return reauthenticated(client, user)


def current_values(zone):
    """The form's data for the zone as it is: what a browser sends back unchanged."""
    return {name: getattr(zone, name) for name in ZONE_SETTINGS}


def versions(zone, kind):
    return list(
        Document.objects.filter(zone=zone, kind=kind)
        .order_by("version")
        .values_list("version", flat=True)
    )


@pytest.fixture
def published(zone):
    publish_privacy_notice(zone)
    publish_house_rules(zone)
    return zone


def test_the_page_shows_the_zones_settings(client, zone_admin, published):
    response = staff(client, zone_admin).get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["retention_left_days"].value() == 30
    assert form["dpo_email"].value() == "dpo@pz-test.example"
    assert 'name="retention_measures_days"' in response.text
    field = response.text[response.text.index('name="retention_measures_days"') :]
    field = field[: field.index(">")]
    assert ('min="365"' in field, 'max="3650"' in field) == (True, True)


def test_changing_a_retention_period_publishes_new_documents(client, zone_admin, published):
    data = current_values(published) | {"retention_left_days": "14", "dpo_name": "An Peeters"}
    response = staff(client, zone_admin).post(URL, data)

    assert response.status_code == 302
    assert response["Location"] == URL
    zone = Zone.objects.get(pk=published.pk)
    assert (zone.retention_left_days, zone.dpo_name) == (14, "An Peeters")
    # The privacy notice names the officer and the period, the house rules the period.
    assert versions(zone, DocumentKind.PRIVACY_NOTICE) == [1, 2]
    assert versions(zone, DocumentKind.HOUSE_RULES) == [1, 2]
    notice = Document.objects.get(zone=zone, kind=DocumentKind.PRIVACY_NOTICE, version=2)
    assert "An Peeters" in notice.body_nl
    page = client.get(URL)
    assert nl("The settings have been saved.") in page.text
    assert nl("Version %(version)s of the privacy notice is out.", version=2) in page.text
    assert nl("Version %(version)s of the house rules is out.", version=2) in page.text
    entry = AuditEntry.objects.get(action="zones.settings_changed")
    assert (entry.actor_id, entry.actor_role, entry.object_id) == (
        zone_admin.pk,
        "zone_admin",
        str(zone.pk),
    )
    # The entry names what changed, never the values (the officer's name is personal data).
    assert entry.details == {
        "settings": ["dpo_name", "retention_left_days"],
        "published": ["privacy_notice v2", "house_rules v2"],
    }
    assert verify_chain() is None


def test_a_change_the_documents_do_not_name_publishes_nothing(client, zone_admin, published):
    data = current_values(published) | {"accessibility_email": "a11y@pz-test.example"}
    staff(client, zone_admin).post(URL, data)
    assert versions(published, DocumentKind.PRIVACY_NOTICE) == [1]
    assert versions(published, DocumentKind.HOUSE_RULES) == [1]
    entry = AuditEntry.objects.get(action="zones.settings_changed")
    assert entry.details == {"settings": ["accessibility_email"], "published": []}


def test_the_privacy_notice_on_the_site_names_the_new_period(client, zone_admin, published):
    data = current_values(published) | {"retention_unconfirmed_days": "3"}
    staff(client, zone_admin).post(URL, data)
    page = client.get("/nl/privacy/")
    with translation.override("nl"):
        sentence = ngettext(
            "A sign-up that is not confirmed is deleted after %(days)s day.",
            "A sign-up that is not confirmed is deleted after %(days)s days.",
            3,
        ) % {"days": 3}
    assert sentence in page.text


def test_saving_without_changes_changes_nothing(client, zone_admin, published):
    response = staff(client, zone_admin).post(URL, current_values(published), follow=True)
    assert nl("Nothing was changed.") in response.text
    assert not AuditEntry.objects.filter(action="zones.settings_changed").exists()
    assert versions(published, DocumentKind.PRIVACY_NOTICE) == [1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("retention_left_days", "0"),
        ("retention_left_days", "400"),
        ("retention_unconfirmed_days", "31"),
        ("retention_address_requests_days", "91"),
        ("retention_measures_days", "30"),
        ("retention_measures_days", "veel"),
        ("non_emergency_number", "bel ons"),
        ("dpo_email", "geen-adres"),
        ("name", ""),
    ],
)
def test_bad_values_are_refused_with_a_message_and_nothing_is_saved(
    client, zone_admin, published, field, value
):
    data = current_values(published) | {field: value}
    response = staff(client, zone_admin).post(URL, data)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert 'class="error-summary"' in response.text
    assert f'id="id_{field}_error"' in response.text
    zone = Zone.objects.get(pk=published.pk)
    assert current_values(zone) == current_values(published)
    assert not AuditEntry.objects.filter(action="zones.settings_changed").exists()


def test_a_change_asks_for_the_password_again_after_a_while(client, zone_admin, published):
    TOTP.activate(zone_admin, generate_totp_secret())
    client.force_login(zone_admin)  # a login without allauth's note: not recent
    assert client.get(URL).status_code == 200
    data = current_values(published) | {"controller_kind": ControllerKind.JOINT}
    response = client.post(URL, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/nl/account/reauthenticate/")
    assert Zone.objects.get(pk=published.pk).controller_kind == ControllerKind.POLICE_ZONE


def test_a_joint_controller_lets_the_municipality_contact_see_the_member_list(
    client, zone_admin, municipality_contact, bin_a, published
):
    member_list = "/nl/staff/members/centrum/"
    contact = client.__class__()
    staff(contact, municipality_contact)
    assert contact.get(member_list).status_code == 403

    data = current_values(published) | {"controller_kind": ControllerKind.JOINT}
    staff(client, zone_admin).post(URL, data)

    assert contact.get(member_list).status_code == 200


def test_the_dashboard_links_the_zone_admin_to_the_settings(client, zone_admin, coordinator_a):
    assert URL in staff(client, zone_admin).get("/nl/staff/").text
    other = client.__class__()
    assert URL not in staff(other, coordinator_a).get("/nl/staff/").text


def test_the_service_refuses_what_is_not_a_setting(zone_admin, zone):
    with pytest.raises(ValueError, match="Not a zone setting: slug"):
        change_zone_settings(zone_admin, zone, {"slug": "elders"}, role="zone_admin")
