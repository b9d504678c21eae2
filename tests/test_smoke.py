import pytest


@pytest.mark.django_db
def test_health_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_home_is_dutch_by_default(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain == [("/nl/", 302)]
    assert '<html lang="nl">' in response.text
