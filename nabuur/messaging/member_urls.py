"""Members' pages of messaging under /<lang>/me/messages/: the archive of what they received."""

app_name = "messaging_members"
urlpatterns = []
