"""The floor page: what any staff page costs before it does its own work.

It runs the member list's decorator (login, never cached), the same middleware and the base
layout, and makes no queries of its own; bench/pages.py divides its requests a second by a
list's (`member_list_floor_ratio`, `message_log_floor_ratio`).
"""

from django.shortcuts import render

from nabuur.members.staff_views import staff_page


@staff_page
def floor(request):
    return render(request, "bench/floor.html")
