from django.urls import path

from . import audit_views, theme_views, views

app_name = "staff"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("confirm/", views.confirm_role, name="confirm_role"),
    path("zone/<slug:slug>/people/", views.zone_staff, name="zone_staff"),
    path("zone/<slug:slug>/settings/", views.zone_settings, name="zone_settings"),
    path("zone/<slug:slug>/look/", theme_views.zone_theme, name="zone_theme"),
    path("zone/<slug:slug>/people/<int:pk>/end/", views.zone_role_end, name="zone_role_end"),
    path(
        "zone/<slug:slug>/people/<int:pk>/screening/",
        views.zone_role_screening,
        name="zone_role_screening",
    ),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/head.json", audit_views.audit_head, name="audit_head"),
]
