from django.urls import path

from osmose.network import views

app_name = "network"
urlpatterns = [
    path("follow-up/<str:token>/", views.follow_up, name="follow_up"),
]
