from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/sent/", views.join_sent, name="join_sent"),
    path("join/confirm/<str:token>/", views.confirm, name="confirm"),
    path("me/login/", views.login_request, name="login"),
    path("me/login/sent/", views.login_sent, name="login_sent"),
    path("me/login/<str:token>/", views.login_link, name="login_link"),
    path("me/logout/", views.me_logout, name="logout"),
    path("me/", views.me, name="me"),
    path("me/details/", views.me_details, name="details"),
    path("me/export/", views.me_export, name="export"),
    path("me/erase/", views.me_erase, name="erase"),
    path("me/bin/<int:membership_id>/", views.me_membership, name="membership"),
    path("me/bin/<int:membership_id>/leave/", views.me_leave, name="leave"),
]
