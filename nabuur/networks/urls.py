from django.urls import path

from . import views

app_name = "networks"
urlpatterns = [
    path("", views.network_list, name="list"),
    path("new/", views.network_create, name="create"),
    path("<slug:slug>/", views.network_detail, name="detail"),
    path("<slug:slug>/edit/", views.network_edit, name="edit"),
    path("<slug:slug>/segments/new/", views.segment_add, name="segment_add"),
    path("<slug:slug>/segments/import/", views.segment_import, name="segment_import"),
    path("<slug:slug>/segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("<slug:slug>/segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("<slug:slug>/merge/", views.network_merge, name="merge"),
    path("<slug:slug>/stop/", views.network_stop, name="stop"),
    path("<slug:slug>/alert/", views.network_cap, name="cap"),
    path("<slug:slug>/roles/", views.network_roles, name="roles"),
    path("<slug:slug>/roles/<int:pk>/end/", views.role_end, name="role_end"),
    path("<slug:slug>/roles/<int:pk>/replace/", views.role_replace, name="role_replace"),
    path("<slug:slug>/roles/<int:pk>/screening/", views.role_screening, name="role_screening"),
    path("<slug:slug>/roles/<int:pk>/measures/", views.coordinator_measures, name="measures"),
]
