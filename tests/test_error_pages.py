"""Error pages (400, 403, CSRF, 404, 429, 500): the site's layout in the page's language, with
the emergency notice, each saying what the person can do next; the 500 without a database."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from nabuur import urls as project_urls
from nabuur.lib import errors
from nabuur.mailbox.access import MAILBOX_BACKEND
from nabuur.operations.models import RateCounter
from nabuur.public.errors import permission_denied
from nabuur.zones.models import Zone

LANGUAGES = ("nl", "fr", "de")
# Words that are rightly the same in every language (see tests/test_translations.py).
SAME_IN_EVERY_LANGUAGE = {"Nabuur", "101", "112", "112 BE", "BIN"}
# Words that are rightly the same as the English in one language (the notice's "Police 101").
SAME_AS_ENGLISH = {"fr": {"Police"}}


class PageText(HTMLParser):
    """The language of a page and the text a reader sees in its <main> and in its notice."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.texts = []
        self.links = []
        self._in_main = 0
        self._in_notice = 0
        self._skip = 0
        self._href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in {"script", "style", "title"}:
            self._skip += 1
        if tag == "main" or self._in_main:
            self._in_main += 1
        classes = (attrs.get("class") or "").split()
        if "emergency-notice" in classes or self._in_notice:
            self._in_notice += 1
        if tag == "a" and (self._in_main or self._in_notice):
            self._href = attrs.get("href")
            self.links.append([attrs.get("href"), ""])

    def handle_endtag(self, tag):
        if tag in {"script", "style", "title"}:
            self._skip -= 1
        if self._in_main:
            self._in_main -= 1
        if self._in_notice:
            self._in_notice -= 1
        if tag == "a":
            self._href = None

    def handle_startendtag(self, tag, attrs):
        # A void element (<br>) opens nothing.
        pass

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text or self._skip or not (self._in_main or self._in_notice):
            return
        self.texts.append(text)
        if self._href is not None:
            self.links[-1][1] += text

    @property
    def text(self):
        return " ".join(self.texts)


VOID = re.compile(r"<(br|hr|img|input|meta|link)\b([^>]*?)\s*/?>")


def read(response):
    parser = PageText()
    # Void elements never close: make them self-closing so the depth counts stay right.
    parser.feed(VOID.sub(r"<\1\2/>", response.content.decode()))
    return parser


def in_language(language, msgid, **values):
    with translation.override(language):
        text = gettext(msgid)
    return text % values if values else text


def assert_error_page(response, language, status, next_step_urls):
    """The site's layout in `language`, the emergency notice, and links to the next steps."""
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Language"] == language
    page = read(response)
    assert page.lang == language
    html = response.content.decode()
    # The layout: the skip link, the header with the home link, the footer.
    assert 'class="skip-link"' in html
    assert 'class="site-header"' in html
    assert 'class="site-footer"' in html
    # The notice, with the numbers to call and the app.
    notice = html.split('class="emergency-notice"', 1)[1].split("</aside>", 1)[0]
    assert in_language(language, "Emergency or something suspicious?") in notice
    for number in ("101", "112", "112 BE"):
        assert f"<strong>{number}</strong>" in notice
    hrefs = [href for href, _text in page.links]
    for url in next_step_urls:
        assert url in hrefs, (url, hrefs)
    return page


def english_texts(page_in_english):
    return set(page_in_english.texts) - SAME_IN_EVERY_LANGUAGE


def assert_no_english(page, page_in_english, *allowed):
    """No sentence of the English page shows on the nl, fr or de page: each was translated."""
    left_in_english = (english_texts(page_in_english) & set(page.texts)) - set(allowed)
    assert not left_in_english - SAME_AS_ENGLISH.get(page.lang, set())


@pytest.fixture
def no_cookies_client():
    return Client(enforce_csrf_checks=True)


# --- 404 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_404_in_the_layout_and_language_of_its_prefix(client, zone, language):
    response = client.get(f"/{language}/no-such-page/")

    with translation.override(language):
        next_steps = [reverse("public:home"), reverse("public:find")]
    page = assert_error_page(response, language, 404, next_steps)
    assert in_language(language, "Page not found") in page.text
    assert_no_english(page, read(client.get("/en/no-such-page/")))


def test_404_without_a_language_prefix_speaks_dutch(client, zone):
    response = client.get("/no-such-page/")

    page = assert_error_page(response, "nl", 404, ["/nl/", "/nl/find/"])
    assert in_language("nl", "Page not found") in page.text


def test_404_names_the_zone_of_the_site(client, zone):
    response = client.get("/nl/no-such-page/")

    assert response.status_code == 404
    assert zone.name in response.content.decode()


# --- 403 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", (*LANGUAGES, "en"))
def test_403_on_a_staff_page_tells_a_member_where_to_go(client, member_a, language):
    client.force_login(member_a)

    response = client.get(f"/{language}/staff/")

    with translation.override(language):
        next_steps = [reverse("public:home"), reverse("members:me")]
    page = assert_error_page(response, language, 403, next_steps)
    assert in_language(language, "You may not open this page") in page.text
    assert member_a.email in page.text
    if language != "en":
        assert_no_english(page, read(client.get("/en/staff/")), member_a.email)


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_from_a_view_for_an_anonymous_visitor_offers_to_log_in(zone, language):
    request = RequestFactory().get(f"/{language}/staff/bins/")
    request.LANGUAGE_CODE = language

    response = permission_denied(request, PermissionError())

    with translation.override(language):
        login = reverse("account_login") + f"?next=/{language}/staff/bins/"
    page = assert_error_page(response, language, 403, [login])
    assert in_language(language, "Log in") in page.text


def test_the_project_answers_errors_with_these_pages():
    assert project_urls.handler400 == "nabuur.lib.errors.bad_request"
    assert project_urls.handler403 == "nabuur.public.errors.permission_denied"
    assert project_urls.handler404 == "nabuur.lib.errors.page_not_found"
    assert project_urls.handler500 == "nabuur.lib.errors.server_error"
    # django-allauth answers its own rate limits with the project's handler429.
    assert project_urls.handler429 == "nabuur.lib.errors.too_many_requests"
    assert settings.CSRF_FAILURE_VIEW == "nabuur.public.errors.csrf_failure"


# --- CSRF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_sent_without_its_cookie_explains_and_offers_to_try_again(
    no_cookies_client, zone, language
):
    form_url = f"/{language}/me/login/"

    response = no_cookies_client.post(form_url, {"email": "someone@example.org"})

    with translation.override(language):
        next_steps = [form_url, reverse("public:home")]
    page = assert_error_page(response, language, 403, next_steps)
    assert in_language(language, "Your form could not be sent") in page.text
    again = in_language(
        language,
        '<a href="%(form_path)s">Open the form again</a>, fill it in and send it.',
        form_path=form_url,
    )
    assert again in response.content.decode()
    english = read(no_cookies_client.post("/en/me/login/", {"email": "someone@example.org"}))
    assert_no_english(page, english)


def test_the_csrf_page_links_back_only_to_a_page_of_this_site(no_cookies_client, zone):
    # The path, never the Referer: a link elsewhere would be an open redirect.
    response = no_cookies_client.post(
        "/nl/me/login/", {"email": "a@example.org"}, HTTP_REFERER="https://evil.example/"
    )

    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


# --- 400 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_nul_character_gets_the_400_page(client, zone, language):
    response = client.get(f"/{language}/find/", {"q": "Kerk\x00straat"})

    with translation.override(language):
        next_steps = [reverse("public:home"), reverse("public:find")]
    page = assert_error_page(response, language, 400, next_steps)
    assert in_language(language, "We could not read your request") in page.text
    assert_no_english(page, read(client.get("/en/find/", {"q": "Kerk\x00straat"})))


def test_the_400_page_renders_before_the_login_is_known_on_a_demo_site(client, zone):
    # The middleware refuses the request before authentication runs; in demo the header asks
    # whether the person may read the demo mailbox.
    with override_settings(MAILERS={"default": {"BACKEND": MAILBOX_BACKEND}}):
        response = client.post(
            "/nl/me/login/",
            "email=a%00%40example.org",
            content_type="application/x-www-form-urlencoded",
        )

    assert_error_page(response, "nl", 400, ["/nl/"])


# --- 429 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_429_says_how_long_to_wait(zone, language):
    request = RequestFactory().post(f"/{language}/join/")

    response = errors.too_many_requests(request, retry_after=25 * 60)

    assert response["Retry-After"] == "1500"
    page = assert_error_page(response, language, 429, [f"/{language}/"])
    with translation.override(language):
        wait = ngettext(
            "Please wait %(minutes)s minute, then try again.",
            "Please wait %(minutes)s minutes, then try again.",
            25,
        ) % {"minutes": 25}
    assert wait in page.text
    english = errors.too_many_requests(RequestFactory().post("/en/join/"), retry_after=25 * 60)
    assert_no_english(page, read(english))


def test_429_without_a_known_wait_asks_for_a_few_minutes(zone):
    request = RequestFactory().post("/nl/join/")

    response = errors.too_many_requests(request)

    assert "Retry-After" not in response
    page = assert_error_page(response, "nl", 429, ["/nl/"])
    assert in_language("nl", "Please wait a few minutes, then try again.") in page.text


def test_a_rate_counters_wait_is_the_rest_of_its_window(db):
    assert RateCounter.objects.seconds_left("join-ip", "192.0.2.1") is None
    RateCounter.objects.hit("join-ip", "192.0.2.1", 3600)

    left = RateCounter.objects.seconds_left("join-ip", "192.0.2.1")

    assert 3590 < left <= 3600


@override_settings(ACCOUNT_RATE_LIMITS={"login": "1/m/ip"})
def test_allauths_rate_limit_answers_with_the_429_page(client, zone):
    data = {"login": "nobody@example.org", "password": "wrong"}
    client.post("/fr/account/login/", data)

    response = client.post("/fr/account/login/", data)

    page = assert_error_page(response, "fr", 429, ["/fr/"])
    assert in_language("fr", "Too many attempts") in page.text


# --- 500 ------------------------------------------------------------------------------------------


def zone_count(request):
    """A page that needs the database."""
    return HttpResponse(str(Zone.objects.count()))


# This module serves as the URLconf of the 500 tests: the project's pages plus one that breaks.
urlpatterns = [
    *project_urls.urlpatterns,
    *[path(f"{code}/zones/", zone_count) for code in (*LANGUAGES, "en")],
    path("zones/", zone_count),
]
handler500 = project_urls.handler500


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", LANGUAGES)
def test_500_renders_with_the_database_unavailable(language):
    # No django_db mark: pytest-django refuses every query, as a database that is down would.
    with pytest.raises(RuntimeError, match="Database access not allowed"):
        connection.ensure_connection()
    client = Client(raise_request_exception=False)

    response = client.get(f"/{language}/zones/")

    page = assert_error_page(response, language, 500, [f"/{language}/", f"/{language}/find/"])
    assert in_language(language, "Something went wrong on our side") in page.text
    assert_no_english(page, read(client.get("/en/zones/")))


@pytest.mark.urls(__name__)
def test_500_without_a_language_prefix_speaks_dutch():
    response = Client(raise_request_exception=False).get("/zones/")

    page = assert_error_page(response, "nl", 500, ["/nl/"])
    assert in_language("nl", "Something went wrong on our side") in page.text


def test_500_uses_no_context_processor(zone, settings, django_assert_num_queries):
    # A context processor that fails, as one that queries would with the database down.
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {"context_processors": [f"{__name__}.broken_context_processor"]},
        }
    ]
    request = RequestFactory().get("/fr/staff/")

    with django_assert_num_queries(0):
        response = errors.server_error(request)

    assert_error_page(response, "fr", 500, ["/fr/"])


def broken_context_processor(request):
    raise RuntimeError("the database is down")
