"""lib.paging.counted_page: the same page as Paginator.get_page, in one query."""

import pytest
from django.core.paginator import Paginator

from nabuur.lib.paging import MAX_PAGE_NUMBER, counted_page, page_number
from nabuur.zones.models import Street
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets():
    municipality = factories.MunicipalityFactory()
    for n in range(7):
        factories.StreetFactory(municipality=municipality, name_nl=f"Straat {n:02d}")
    return Street.objects.filter(municipality=municipality).order_by("name_nl", "pk")


def as_paginator_does(queryset, number, per_page):
    page = Paginator(queryset, per_page).get_page(number)
    return page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list)


def as_counted(queryset, number, per_page):
    page = counted_page(queryset, number, per_page)
    return page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list)


@pytest.mark.parametrize("number", [None, "", "abc", "1", "2", "3", "4", "99"])
def test_a_counted_page_is_the_page_the_paginator_gives(streets, number):
    assert as_counted(streets, number, 3) == as_paginator_does(streets, number, 3)


@pytest.mark.parametrize("number", ["-3", "0"])
def test_a_page_number_below_one_is_the_first_page(streets, number):
    # Paginator.get_page shows the last page here; the first is what such a link meant.
    assert as_counted(streets, number, 3) == as_paginator_does(streets, 1, 3)


def test_a_page_within_the_list_takes_one_query(streets, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(streets, "2", 3)
    assert [street.name_nl for street in page] == ["Straat 03", "Straat 04", "Straat 05"]
    assert (page.paginator.count, page.has_next(), page.has_previous()) == (7, True, True)


def test_a_page_past_the_end_counts_and_shows_the_last(streets, django_assert_num_queries):
    with django_assert_num_queries(3):
        page = counted_page(streets, "9", 3)
    assert (page.number, [street.name_nl for street in page]) == (3, ["Straat 06"])


def test_an_empty_list_is_one_empty_first_page(django_assert_num_queries):
    nothing = Street.objects.filter(pk=0).order_by("pk")
    with django_assert_num_queries(1):
        page = counted_page(nothing, "1", 3)
    assert (page.number, page.paginator.count, list(page)) == (1, 0, [])
    assert as_counted(nothing, "5", 3) == as_paginator_does(nothing, "5", 3) == (1, 0, 1, [])


def test_a_page_number_stays_within_what_the_database_can_offset():
    assert page_number(str(10**30)) == MAX_PAGE_NUMBER
    assert [page_number(value) for value in ("7", " 7 ", "7.5", None, "-1")] == [7, 7, 1, 1, 1]
