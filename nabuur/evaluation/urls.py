"""The charter and the yearly evaluation of each BIN, under /<lang>/staff/evaluation/."""

from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("", views.index, name="index"),
    path("charter/<slug:slug>/", views.charter, name="charter"),
    path("charter/<slug:slug>/start/", views.charter_start, name="charter_start"),
    path("charter/<slug:slug>/<int:version>/budget/", views.charter_budget, name="charter_budget"),
    path("charter/<slug:slug>/<int:version>/sign/", views.charter_sign, name="charter_sign"),
    path("charter/<slug:slug>/<int:version>/fod/", views.charter_fod, name="charter_fod"),
    path("charter/<slug:slug>/<int:version>/charter.pdf", views.charter_pdf, name="charter_pdf"),
    path("bin/<slug:slug>/<int:year>/", views.detail, name="detail"),
    path("bin/<slug:slug>/<int:year>/edit/", views.edit, name="edit"),
    path("bin/<slug:slug>/<int:year>/sign/", views.sign, name="sign"),
    path("bin/<slug:slug>/<int:year>/survey/", views.survey_start, name="survey_start"),
    path("bin/<slug:slug>/<int:year>/figures.csv", views.figures_csv, name="figures_csv"),
    path("bin/<slug:slug>/<int:year>/evaluation.pdf", views.evaluation_pdf, name="pdf"),
    path("bin/<slug:slug>/<int:year>/figures/<slug:key>/", views.figure_rows, name="figure_rows"),
    path("overview/zone/<slug:slug>/<int:year>/", views.overview_zone, name="overview_zone"),
    path(
        "overview/zone/<slug:slug>/<int:year>/overview.csv",
        views.overview_zone_csv,
        name="overview_zone_csv",
    ),
    path(
        "overview/municipality/<str:nis_code>/<int:year>/",
        views.overview_municipality,
        name="overview_municipality",
    ),
    path(
        "overview/municipality/<str:nis_code>/<int:year>/overview.csv",
        views.overview_municipality_csv,
        name="overview_municipality_csv",
    ),
]
