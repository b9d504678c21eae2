from django.urls import path

from . import views

app_name = "mailbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.message, name="message"),
    path("<int:pk>/html/", views.message_html, name="message_html"),
    path("<int:pk>/raw/", views.message_raw, name="message_raw"),
    path("mine/", views.own, name="own"),
    path("mine/<int:pk>/", views.own_message, name="own_message"),
]
