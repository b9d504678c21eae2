"""Staff pages of messaging under /<lang>/staff/messages/: compose, approve, forward, the log."""

app_name = "messaging_staff"
urlpatterns = []
