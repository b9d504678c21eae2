from django.urls import path

from . import views

app_name = "mailbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
]
