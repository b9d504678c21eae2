"""The evaluation's charts and the zone overview: titles, axis labels, legends, the numbers as
a table, the year selector and the trend over the years, with a fixed number of queries."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nabuur.evaluation import charts, figures, services
from nabuur.lib import clock
from nabuur.messaging.models import Feedback
from nabuur.staff.models import Role

from . import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SVG = "{http://www.w3.org/2000/svg}"
OVERVIEW = "/nl/staff/evaluation/overview/zone/pz-test/"


def at(year, month, day):
    return datetime.datetime(year, month, day, 9, tzinfo=UTC)


def log_in(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


@pytest.fixture
def pinned_clock():
    with clock.frozen_at(at(2026, 2, 1)) as moment:
        yield moment


def svg_root(markup):
    # Our own markup, built by the code under test: no entities to fear.
    return ET.fromstring(str(markup))  # noqa: S314


def svg_texts(markup):
    return [element.text for element in svg_root(markup).iter(f"{SVG}text")]


def table_of(html, caption):
    """[[cell text, …] per row] of the table with this caption, header row first."""
    match = re.search(
        rf"<caption[^>]*>{re.escape(caption)}</caption>(.*?)</table>", html, re.DOTALL
    )
    assert match, f"no table captioned {caption!r}"
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.DOTALL)
    ]


# --- The chart itself --------------------------------------------------------------------------


def test_a_bar_chart_draws_its_title_axis_labels_and_every_value():
    with translation.override("en"):
        chart = charts.bar_chart(
            "chart-x",
            "Members",
            [("members at the start", 1234), ("left", 0)],
            category_label="Figure",
            value_label="Number of members",
        )
        markup = str(chart)
    assert svg_texts(markup) == [
        "Members",
        "Figure",
        "members at the start",
        "1,234",
        "left",
        "0",
        "Number of members",
    ]
    root = svg_root(markup)
    assert (root.get("role"), root.get("aria-labelledby")) == ("img", "chart-x-title")
    assert root.get("viewBox").startswith("0 0 360 ")
    assert root.find(f"{SVG}title").text == "Members"
    assert root.find(f"{SVG}desc").text == "members at the start: 1,234; left: 0"
    # The biggest value fills the bar length; zero draws no bar at all.
    assert [rect.get("width") for rect in root.iter(f"{SVG}rect")] == [str(charts.BAR_LENGTH)]


def test_a_chart_with_several_series_has_a_legend_and_a_pattern_per_series():
    chart = charts.series_chart(
        "chart-y",
        "Feedback",
        [2024, 2025],
        [("useful", [3, 1]), ("not useful", [0, 2])],
        category_label="Year",
        value_label="Number of votes",
    )
    markup = chart.svg(draw_title=False, labelledby="chart-y-caption")
    texts = svg_texts(markup)
    # Legend first, then the axis label, then each year with its two values.
    assert texts == [
        "useful",
        "not useful",
        "Year",
        "2024",
        "3",
        "0",
        "2025",
        "1",
        "2",
        "Number of votes",
    ]
    root = svg_root(markup)
    assert root.get("aria-labelledby") == "chart-y-caption"
    assert [p.get("id") for p in root.iter(f"{SVG}pattern")] == ["chart-y-pattern-1"]
    legend = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("width") == "14"]
    assert legend == ["#1d4f91", "url(#chart-y-pattern-1)"]
    assert root.find(f"{SVG}desc").text == (
        "2024: useful 3, not useful 0; 2025: useful 1, not useful 2"
    )


def test_the_chart_template_shows_a_caption_and_the_numbers_as_a_table():
    chart = charts.series_chart(
        "chart-y",
        "Feedback",
        [2024, 2025],
        [("useful", [3, 1]), ("not useful", [0, 2])],
        category_label="Year",
        value_label="Number of votes",
    )
    with translation.override("en"):
        html = render_to_string("evaluation/_chart.html", {"chart": chart})
    assert '<figcaption id="chart-y-caption" class="chart-title">Feedback</figcaption>' in html
    assert "<summary>Show the figures as a table</summary>" in html
    assert table_of(html, "Feedback") == [
        ["Year", "Useful", "Not useful"],
        ["2024", "3", "0"],
        ["2025", "1", "2"],
    ]
    assert '<th scope="col">Year</th>' in html and '<th scope="row">2024</th>' in html
    # On a page the caption is the title: the SVG does not draw it again.
    assert "Feedback" not in svg_texts(chart.page_svg)


def test_long_labels_wrap_instead_of_running_off_the_chart():
    chart = charts.bar_chart("c", "T", [("a " * 40, 1)])
    texts = svg_texts(chart.svg(draw_title=False))
    assert texts == ["a " * 20 + "a", "a " * 18 + "a", "1"]
    assert all(len(text) <= charts.WRAP for text in texts)


# --- The overview: a known zone over three years ------------------------------------------------


@pytest.fixture
def history(bin_a, bin_b):
    """2024: two members of A at one address, a message to A with a useful vote.
    2025: one of them leaves, B gets a member; a message to A and B, one useful and one
    not useful vote."""
    street = factories.StreetFactory(municipality=bin_a.municipality)
    first = factories.MembershipFactory(
        network=bin_a, street=street, house_number=3, approved_at=at(2024, 2, 1)
    )
    second = factories.MembershipFactory(
        network=bin_a,
        street=street,
        house_number=3,
        approved_at=at(2024, 5, 1),
        left_at=at(2025, 6, 1),
        status="left",
    )
    third = factories.MembershipFactory(network=bin_b, approved_at=at(2025, 3, 1))
    early = factories.MessageFactory(targets=[bin_a], queued_at=at(2024, 6, 1))
    late = factories.MessageFactory(targets=[bin_a, bin_b], queued_at=at(2025, 4, 1))
    for message, membership, useful in (
        (early, first, True),
        (late, first, True),
        (late, third, False),
    ):
        delivery = factories.DeliveryFactory(message=message, user=membership.user)
        Feedback.objects.create(delivery=delivery, useful=useful)
    return {"first": first, "second": second, "third": third}


EXPECTED_TREND = [
    {
        "year": 2024,
        "members_end": 2,
        "households": 1,
        "messages": 1,
        "feedback_useful": 1,
        "feedback_not_useful": 0,
    },
    {
        "year": 2025,
        "members_end": 2,
        "households": 2,
        "messages": 2,
        "feedback_useful": 1,
        "feedback_not_useful": 1,
    },
    {
        "year": 2026,
        "members_end": 2,
        "households": 2,
        "messages": 0,
        "feedback_useful": 0,
        "feedback_not_useful": 0,
    },
]


def test_the_trend_totals_the_bins_year_by_year(pinned_clock, history, bin_a, bin_b):
    networks = [bin_a, bin_b]
    years = figures.overview_years(networks)
    assert years == [2024, 2025, 2026]
    assert figures.trend(networks, years) == EXPECTED_TREND


def test_the_trend_keeps_the_frozen_figures_of_a_signed_evaluation(
    pinned_clock, history, bin_a, bin_b
):
    evaluation = services.open_evaluation(bin_a, 2025)
    for role in (Role.OFFICER, Role.COORDINATOR):
        signer = factories.RoleFactory(role=role, network=bin_a).user
        evaluation = services.sign_evaluation(evaluation, signer)
    # Recorded after the signature: the signed year of A does not count it, B's live year does.
    factories.MessageFactory(targets=[bin_a, bin_b], queued_at=at(2025, 9, 1))
    trend = figures.trend([bin_a, bin_b], [2025])
    assert trend[0]["messages"] == 2 + 1


def test_the_overview_shows_the_trend_as_charts_and_a_table(
    client, pinned_clock, history, zone_admin
):
    log_in(client, zone_admin)
    page = client.get(f"{OVERVIEW}2025/")
    assert page.status_code == 200
    html = page.text
    with translation.override("nl"):
        gettext = translation.gettext
        caption = gettext("Key figures of %(place)s per year") % {"place": "Politiezone Test"}
        assert (
            table_of(html, caption)[1:]
            == [
                ["2026", "2", "2", "0", "0", "0"],
                ["2025", "2", "2", "2", "1", "1"],
                ["2024", "2", "1", "1", "1", "0"],
            ][::-1]
        )
        for title in (
            "Members at the end of the year",
            "Messages sent",
            "Members and households per year",
            "Messages sent per year",
            "Feedback from members per year",
        ):
            assert f'class="chart-title">{gettext(title)}</figcaption>' in html
        assert table_of(html, gettext("Members and households per year"))[0] == [
            gettext("Year"),
            gettext("members at the end").capitalize(),
            gettext("households at the end").capitalize(),
        ]
        assert table_of(html, gettext("Members at the end of the year"))[1:] == [
            ["BIN Centrum", "1"],
            ["BIN Elsdonk", "1"],
        ]
    assert html.count("<svg") == 5
    assert html.count('<details class="chart-table">') == 5


def test_the_year_selector_lists_the_years_with_data_and_keeps_the_year(
    client, pinned_clock, history, zone_admin
):
    log_in(client, zone_admin)
    response = client.get(OVERVIEW + "2026/", {"year": "2024"})
    assert (response.status_code, response["Location"]) == (302, OVERVIEW + "2024/")
    html = client.get(response["Location"]).text
    select = re.search(r'<select id="overview-year" name="year">(.*?)</select>', html).group(1)
    assert re.findall(r'<option value="(\d+)"( selected)?>', select) == [
        ("2026", ""),
        ("2025", ""),
        ("2024", " selected"),
    ]
    assert '<form method="get" class="year-form">' in html
    assert 'href="/nl/staff/evaluation/overview/zone/pz-test/2024/overview.csv"' in html


@pytest.mark.parametrize("asked", ["abc", "1800", "2031", "", "2025.5", " 2024", "٢٠٢٤"])
def test_a_bad_year_gives_the_default_year(client, pinned_clock, history, zone_admin, asked):
    log_in(client, zone_admin)
    response = client.get(OVERVIEW + "2024/", {"year": asked})
    assert (response.status_code, response["Location"]) == (302, OVERVIEW + "2025/")


@pytest.mark.parametrize("year", [1800, 2023, 2027, 99999])
def test_a_year_without_data_in_the_address_gives_the_default_year(
    client, pinned_clock, history, zone_admin, year
):
    log_in(client, zone_admin)
    response = client.get(f"{OVERVIEW}{year}/")
    assert (response.status_code, response["Location"]) == (302, OVERVIEW + "2025/")


def test_the_municipality_overview_has_the_selector_and_the_trend_too(
    client, pinned_clock, history, municipality_contact
):
    log_in(client, municipality_contact)
    url = "/nl/staff/evaluation/overview/municipality/11013/"
    response = client.get(url + "2025/", {"year": "2024"})
    assert response["Location"] == url + "2024/"
    html = client.get(url + "2024/").text
    assert '<option value="2024" selected>' in html
    assert html.count("<svg") == 5


def busy_bin(municipality, years):
    network = factories.NetworkFactory(municipality=municipality)
    for year in years:
        membership = factories.MembershipFactory(network=network, approved_at=at(year, 3, 1))
        message = factories.MessageFactory(targets=[network], queued_at=at(year, 4, 1))
        delivery = factories.DeliveryFactory(message=message, user=membership.user)
        Feedback.objects.create(delivery=delivery, useful=True)
    services.open_evaluation(network, years[-1])
    return network


def overview_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(f"{OVERVIEW}2025/").status_code == 200
    return len(context.captured_queries)


def test_the_overview_needs_no_more_queries_for_more_years_and_bins(
    client, pinned_clock, municipality, zone_admin, django_assert_max_num_queries
):
    busy_bin(municipality, [2025])
    log_in(client, zone_admin)
    client.get("/nl/staff/")  # the first staff page of a session writes more
    few = overview_queries(client)
    for _ in range(5):
        busy_bin(municipality, [2019, 2020, 2021, 2022, 2023, 2024, 2025])
    with django_assert_max_num_queries(few):
        html = client.get(f"{OVERVIEW}2025/").text
    assert '<option value="2019">' in html
