from django.urls import path

from . import finder_views, theme, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("find/", finder_views.find, name="find"),
    path("bin/<slug:slug>/", views.network, name="network"),
    path("house-rules/", views.house_rules, name="house_rules"),
    path("privacy/", views.privacy, name="privacy"),
    path("zone/<slug:zone_slug>/house-rules/", views.zone_house_rules, name="zone_house_rules"),
    path("zone/<slug:zone_slug>/privacy/", views.zone_privacy, name="zone_privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("theme/<slug:zone_slug>.css", theme.zone_theme, name="zone_theme"),
    path("theme/<slug:zone_slug>/logo", theme.zone_logo, name="zone_logo"),
]
