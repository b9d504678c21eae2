import pytest


@pytest.mark.django_db
def test_the_live_check_answers_ok(client):
    # /healthz also wants a worker's heartbeat (tests/test_health.py); the proxy's check does not.
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_home_is_dutch_by_default(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/nl/", 302)]
    assert '<html lang="nl">' in response.text


def test_personas_hold_their_roles(
    member_a,
    coordinator_a,
    coordinator_b,
    officer_a,
    municipality_contact,
    zone_admin,
    bin_a,
    bin_b,
):
    assert list(member_a.memberships.values_list("network__slug", flat=True)) == ["centrum"]
    assert coordinator_a.roles.get().network == bin_a
    assert coordinator_b.roles.get().network == bin_b
    assert officer_a.roles.get().role == "officer"
    assert municipality_contact.roles.get().municipality.nis_code == "11013"
    assert zone_admin.roles.get().zone.slug == "pz-test"
