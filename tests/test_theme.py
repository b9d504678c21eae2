"""The zone's look (issue 15): its colour as the design system's brand tokens, its logo in the
header, and the look page where a zone administrator sets both."""

import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from PIL import Image

from nabuur.audit.models import AuditEntry
from nabuur.lib.colours import contrast_ratio, readable_on_white, text_colour_on
from nabuur.public.theme import theme_css
from nabuur.zones.models import Zone

from .i18n import nl
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db

LOOK = "/nl/staff/zone/pz-test/look/"
THEME = "/nl/theme/pz-test.css"
LOGO = "/nl/theme/pz-test/logo"


def image_bytes(fmt, size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (18, 60, 105)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name, data, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def admin_client(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return reauthenticated(client, user)


def test_contrast_follows_wcag():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#123c69", "#ffffff"), 1) == 11.2
    assert text_colour_on("#123c69") == "#ffffff"
    assert text_colour_on("#ffcc00") == "#1b2430"


def test_a_colour_too_light_is_darkened_until_white_text_reads_on_it():
    assert readable_on_white("#123c69") == "#123c69"
    darker = readable_on_white("#ffcc00")
    assert darker == "#8c7000"
    assert contrast_ratio(darker, "#ffffff") >= 4.5


def test_the_theme_sets_the_brand_tokens_from_the_zone_colour(client, zone):
    zone.theme_colour = "#2e6b3a"
    zone.save(update_fields=["theme_colour"])

    response = client.get(THEME)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response.text == (
        ".utrecht-theme {\n"
        "  --nabuur-brand: #2e6b3a;\n"
        "  --nabuur-brand-text: #ffffff;\n"
        "  --nabuur-brand-hover: #1e4626;\n"
        "}\n"
    )
    assert response["ETag"] == '"2e6b3a"'
    assert response["Cache-Control"] == "public, max-age=86400"


def test_the_theme_answers_304_to_a_browser_that_holds_it(client, zone):
    first = client.get(THEME)
    again = client.get(THEME, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    zone.theme_colour = "#0b57a4"
    zone.save(update_fields=["theme_colour"])
    assert client.get(THEME, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_colour_saved_around_the_form_is_made_readable(client, zone):
    Zone.objects.filter(pk=zone.pk).update(theme_colour="#ffcc00")
    assert "--nabuur-brand: #8c7000;" in client.get(THEME).text
    assert theme_css("#ffcc00") == client.get(THEME).text


def test_every_page_links_the_zones_theme(client, zone):
    html = client.get("/nl/").text
    assert f'<link rel="stylesheet" href="{THEME}?v=123c69">' in html
    assert '<body class="utrecht-theme utrecht-document utrecht-body">' in html


def test_an_unknown_zone_has_no_theme(client, zone):
    assert client.get("/nl/theme/no-such-zone.css").status_code == 404
    assert client.get("/nl/theme/no-such-zone/logo").status_code == 404


def test_a_zone_without_logo_shows_none(client, zone):
    assert client.get(LOGO).status_code == 404
    assert 'class="brand__logo"' not in client.get("/nl/").text


def test_the_admin_sets_colour_and_logo_and_the_header_shows_the_logo(client, zone, zone_admin):
    png = image_bytes("PNG")
    staff = admin_client(client, zone_admin)
    response = staff.post(
        LOOK, {"theme_colour": "#2E6B3A", "logo": upload("logo.png", png, "image/png")}
    )

    assert response.status_code == 302
    assert response["Location"] == LOOK
    zone.refresh_from_db()
    assert zone.theme_colour == "#2e6b3a"
    assert bytes(zone.logo) == png
    assert zone.logo_content_type == "image/png"
    logo = client.get(LOGO)
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo.content == png
    assert logo["Last-Modified"]
    assert client.get(LOGO, HTTP_IF_NONE_MATCH=logo["ETag"]).status_code == 304
    stamp = int(zone.logo_updated_at.timestamp())
    html = client.get("/nl/").text
    assert f'<img class="brand__logo" src="{LOGO}?v={stamp}" alt="" height="36">' in html
    entry = AuditEntry.objects.get(action="zones.settings_changed")
    assert entry.details == {"settings": ["theme_colour", "logo"], "published": []}
    assert (entry.actor_id, entry.actor_role) == (zone_admin.pk, "zone_admin")
    assert entry.zone_id == zone.pk


def test_a_jpeg_logo_is_accepted(client, zone, zone_admin):
    jpeg = image_bytes("JPEG")
    response = admin_client(client, zone_admin).post(
        LOOK, {"theme_colour": "#123c69", "logo": upload("logo.jpg", jpeg, "image/jpeg")}
    )
    assert response.status_code == 302
    zone.refresh_from_db()
    assert zone.logo_content_type == "image/jpeg"
    assert AuditEntry.objects.get(action="zones.settings_changed").details["settings"] == ["logo"]


def test_a_light_colour_is_refused_with_its_contrast(client, zone, zone_admin):
    response = admin_client(client, zone_admin).post(LOOK, {"theme_colour": "#ffcc00"})

    assert response.status_code == 200
    assert response.context["form"].errors["theme_colour"] == [
        nl(
            "This colour is too light: white text on it has a contrast of %(ratio)s to 1, "
            "and at least 4.5 to 1 is needed. Choose a darker colour.",
            ratio="1,5",
        )
    ]
    zone.refresh_from_db()
    assert zone.theme_colour == "#123c69"
    assert not AuditEntry.objects.filter(action="zones.settings_changed").exists()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"not really a png", "image/png"),
        ("logo.gif", None, "image/gif"),
    ],
)
def test_a_logo_that_is_not_a_png_or_jpeg_is_refused(
    client, zone, zone_admin, name, data, content_type
):
    data = data if data is not None else image_bytes("GIF")
    response = admin_client(client, zone_admin).post(
        LOOK, {"theme_colour": "#123c69", "logo": upload(name, data, content_type)}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["logo"] == [
        nl("The logo must be a PNG or JPEG image. Other formats, SVG included, are refused.")
    ]
    zone.refresh_from_db()
    assert zone.logo_content_type == ""
    assert not AuditEntry.objects.exists()


def test_a_logo_over_200_kb_is_refused(client, zone, zone_admin):
    big = image_bytes("PNG") + b"\0" * (200 * 1024)
    response = admin_client(client, zone_admin).post(
        LOOK, {"theme_colour": "#123c69", "logo": upload("logo.png", big, "image/png")}
    )
    assert response.context["form"].errors["logo"] == [nl("The logo may be at most 200 kB.")]


def test_the_admin_removes_the_logo(client, zone, zone_admin):
    staff = admin_client(client, zone_admin)
    staff.post(LOOK, {"theme_colour": "#123c69", "logo": upload("l.png", image_bytes("PNG"), "")})
    assert staff.post(LOOK, {"theme_colour": "#123c69", "remove_logo": "on"}).status_code == 302
    zone.refresh_from_db()
    assert (bytes(zone.logo), zone.logo_content_type) == (b"", "")
    assert client.get(LOGO).status_code == 404
    assert AuditEntry.objects.filter(action="zones.settings_changed").count() == 2


def test_saving_the_same_look_changes_nothing(client, zone, zone_admin):
    response = admin_client(client, zone_admin).post(LOOK, {"theme_colour": "#123c69"}, follow=True)
    assert nl("Nothing was changed.") in response.text
    assert not AuditEntry.objects.exists()


def test_only_the_zones_administrators_open_the_look_page(client, zone, coordinator_a, zone_admin):
    admin_client(client, coordinator_a)
    assert client.get(LOOK).status_code in {403, 404}
    assert client.post(LOOK, {"theme_colour": "#000000"}).status_code in {403, 404}
    zone.refresh_from_db()
    assert zone.theme_colour == "#123c69"
    page = admin_client(client, zone_admin).get(LOOK)
    assert page.status_code == 200
    assert 'type="color"' in page.text
    assert 'value="#123c69"' in page.text


def test_the_settings_page_links_the_look_page(client, zone, zone_admin):
    html = admin_client(client, zone_admin).get("/nl/staff/zone/pz-test/settings/").text
    assert f'<a href="{LOOK}">' in html
