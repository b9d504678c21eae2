"""The members' survey of the yearly evaluation, under /<lang>/survey/: reached by the e-mailed
link, whose token is the proof. Outside /staff/, so no second factor is ever asked for."""

from django.urls import path

from . import views

app_name = "evaluation_survey"
urlpatterns = [path("<str:token>/", views.survey, name="answer")]
