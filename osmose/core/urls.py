from django.urls import path

from osmose.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("jobs/<str:task_id>/", views.job_progress, name="job"),
]
