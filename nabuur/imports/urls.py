from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("<slug:slug>/", views.upload, name="upload"),
    path("<slug:slug>/<int:batch_id>/", views.preview, name="preview"),
    path("<slug:slug>/<int:batch_id>/progress/", views.progress, name="progress"),
    path("<slug:slug>/<int:batch_id>/progress.json", views.progress_json, name="progress_json"),
]
