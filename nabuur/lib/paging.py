"""Pages of long lists: the page number a visitor asked for, and a page with its list's length.

A Paginator counts the list with one query and cuts the page with another. `counted_page`
reads both in one: COUNT(*) OVER () adds the length of the whole list to each row of the page,
which costs the database what the separate count costs, and spares a staff list (read on every
visit of a coordinator or officer) a query.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

# Far beyond the last page of any list: a larger number would overflow the database's OFFSET
# (PostgreSQL refuses it), and a page past the end shows the last page anyway.
MAX_PAGE_NUMBER = 1_000_000


def page_number(value):
    """The page asked for as a number from 1 to MAX_PAGE_NUMBER; anything else is page 1."""
    try:
        return min(max(int(value), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        return 1


def counted_page(queryset, number, per_page):
    """Page `number` of the ordered `queryset`, as Paginator.get_page gives it (a page that is
    no number is the first, one past the end the last), in one query.

    Only a page past the end costs more: a count, and the last page.
    """

    def read(offset, limit):
        counted = queryset.annotate(list_length=Window(Count("*")))
        return list(counted[offset : offset + limit])

    return counted_page_of(read, queryset.count, number, per_page)


def counted_page_of(read, count, number, per_page):
    """counted_page() for a list read by a query of one's own: `read(offset, limit)` returns
    those rows, each with the length of the whole list as `list_length`; `count()` that length,
    asked only for a page past the end."""
    number = page_number(number)
    rows = read((number - 1) * per_page, per_page)
    # The rows alone make the page; the paginator only does the arithmetic of its links.
    paginator = Paginator(rows, per_page)
    if rows:
        paginator.count = rows[0].list_length
    else:
        paginator.count = count() if number > 1 else 0
        if number > paginator.num_pages:
            number = paginator.num_pages
            rows = read((number - 1) * per_page, per_page)
    return Page(rows, number, paginator)
