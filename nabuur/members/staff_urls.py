"""The coordinator's pages, mounted at /<lang>/staff/members/ (second factor required)."""

from django.urls import path, re_path

from . import measure_views
from . import staff_views as views

app_name = "members_staff"

urlpatterns = [
    # Sign-ups from outside every BIN, per zone (a BIN's slug never contains a slash).
    path("zone/<slug:zone_slug>/requests/", views.address_requests, name="address_requests"),
    path("zone/<slug:zone_slug>/requests/<int:pk>/", views.address_request, name="address_request"),
    path("<slug:slug>/", views.member_list, name="list"),
    path("<slug:slug>/add/", views.add, name="add"),
    re_path(r"^(?P<slug>[-\w]+)/export\.(?P<file_format>csv|xlsx)$", views.export, name="export"),
    path("<slug:slug>/<int:membership_id>/", views.member, name="member"),
    path("<slug:slug>/<int:membership_id>/approve/", views.approve, name="approve"),
    path("<slug:slug>/<int:membership_id>/decline/", views.decline, name="decline"),
    path("<slug:slug>/<int:membership_id>/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path("<slug:slug>/<int:membership_id>/erase/", views.erase, name="erase"),
    path(
        "<slug:slug>/<int:membership_id>/measures/", measure_views.take_measure, name="take_measure"
    ),
    path(
        "<slug:slug>/<int:membership_id>/measures/<int:measure_id>/",
        measure_views.decide_measure,
        name="decide_measure",
    ),
    path(
        "<slug:slug>/<int:membership_id>/measures/<int:measure_id>/letter.pdf",
        measure_views.measure_letter,
        name="measure_letter",
    ),
    path(
        "<slug:slug>/<int:membership_id>/measures/<int:measure_id>/posted/",
        measure_views.letter_posted,
        name="measure_letter_posted",
    ),
]
