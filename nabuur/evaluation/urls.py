"""The charter and the yearly evaluation of each BIN, under /<lang>/staff/evaluation/."""

app_name = "evaluation"
urlpatterns = []
