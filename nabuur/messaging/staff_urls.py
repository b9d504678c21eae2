"""Staff pages of messaging under /<lang>/staff/messages/: compose, approve, forward, the log."""

from django.urls import path

from . import reply_views
from . import staff_views as views

app_name = "messaging_staff"
urlpatterns = [
    path("", views.message_list, name="list"),
    path("new/", views.message_new, name="new"),
    path("<int:pk>/", views.message_detail, name="detail"),
    path("<int:pk>/progress.json", views.message_progress, name="progress"),
    path("<int:pk>/edit/", views.message_edit, name="edit"),
    path("<int:pk>/submit/", views.message_submit, name="submit"),
    path("<int:pk>/approve/", views.message_approve, name="approve"),
    path("<int:pk>/reject/", views.message_reject, name="reject"),
    path("<int:pk>/forward/", views.message_forward, name="forward"),
    path("<int:pk>/decline/", views.message_decline, name="decline"),
    path("<int:pk>/send-overdue/", views.message_send_overdue, name="send_overdue"),
    path("<int:pk>/cancel/", views.message_cancel, name="cancel"),
    path("<int:pk>/test/", views.message_test, name="test"),
    path("<int:pk>/letters.pdf", views.message_letters, name="letters"),
    path("<int:pk>/replies/", reply_views.reply_list, name="replies"),
    path(
        "<int:pk>/replies/<int:reply_pk>/handled/",
        reply_views.reply_handled,
        name="reply_handled",
    ),
    path("plan/<slug:slug>/", views.plan, name="plan"),
]
