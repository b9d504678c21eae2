from django.urls import path

from nabuur.audit import views as audit_views

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/head.json", audit_views.audit_head, name="audit_head"),
]
