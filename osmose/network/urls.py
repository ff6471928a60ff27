from django.urls import path

from osmose.network import views, views_manage

app_name = "network"
urlpatterns = [
    path("follow-up/<str:token>/", views.follow_up, name="follow_up"),
    # The animator's pages (the network page's figures also for funders).
    path("manage/network/", views_manage.network_page, name="home"),
    path("manage/network/figures.<str:fmt>", views_manage.network_export, name="export"),
    path("manage/network/ties.csv", views_manage.ties_export, name="ties_export"),
    path("manage/network/interactions/", views_manage.interactions, name="interactions"),
    path(
        "manage/network/interactions/new/",
        views_manage.interaction_new,
        name="interaction_new",
    ),
    path("manage/network/tasks/<int:pk>/done/", views_manage.task_done, name="task_done"),
    path("manage/network/introductions/", views_manage.introductions, name="introductions"),
    path(
        "manage/network/introductions/new/",
        views_manage.introduction_new,
        name="introduction_new",
    ),
    path("manage/network/collaborations/", views_manage.collaborations, name="collaborations"),
    path(
        "manage/network/collaborations/new/",
        views_manage.collaboration_form,
        name="collaboration_new",
    ),
    path(
        "manage/network/collaborations/<int:pk>/",
        views_manage.collaboration_detail,
        name="collaboration",
    ),
    path(
        "manage/network/collaborations/<int:pk>/edit/",
        views_manage.collaboration_form,
        name="collaboration_edit",
    ),
    path(
        "manage/network/collaborations/<int:pk>/move/",
        views_manage.collaboration_move,
        name="collaboration_move",
    ),
    path(
        "manage/network/collaborations/meetings",
        views_manage.meeting_options,
        name="meeting_options",
    ),
    path("manage/network/lookup/people", views_manage.person_lookup, name="person_lookup"),
]
