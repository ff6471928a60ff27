from django.urls import path

from osmose.matchmaking.views import organiser, participant

app_name = "matchmaking"
urlpatterns = [
    # A participant's B2B space, reached with their ticket's secret token (as in the e-mails).
    path("b2b/<str:token>/", participant.space, name="space"),
    path("b2b/<str:token>/join/", participant.join, name="join"),
    path("b2b/<str:token>/profile/", participant.profile, name="profile"),
    path("b2b/<str:token>/offers/new/", participant.offer_edit, name="offer_new"),
    path("b2b/<str:token>/offers/<int:pk>/", participant.offer_edit, name="offer_edit"),
    path("b2b/<str:token>/offers/<int:pk>/delete/", participant.offer_delete, name="offer_delete"),
    path("b2b/<str:token>/participants/", participant.marketplace, name="marketplace"),
    path("b2b/<str:token>/participants/<int:pk>/", participant.detail, name="participant"),
    path(
        "b2b/<str:token>/participants/<int:pk>/no-thanks/",
        participant.no_thanks,
        name="no_thanks",
    ),
    path("b2b/<str:token>/requests/", participant.requests, name="requests"),
    path(
        "b2b/<str:token>/requests/<int:pk>/<str:action>/",
        participant.request_action,
        name="request_action",
    ),
    path("b2b/<str:token>/agenda/", participant.agenda_page, name="agenda"),
    path("b2b/<str:token>/agenda.ics", participant.agenda_ics, name="agenda_ics"),
    path(
        "b2b/<str:token>/meetings/<int:pk>/cancel/",
        participant.meeting_cancel,
        name="meeting_cancel",
    ),
    # The organiser's side.
    path("manage/b2b/", organiser.index, name="index"),
    path("manage/events/<int:pk>/b2b/", organiser.overview, name="manage"),
    path("manage/events/<int:pk>/b2b/participants/", organiser.participants, name="participants"),
    path("manage/events/<int:pk>/b2b/requests/", organiser.requests, name="manage_requests"),
    path("manage/events/<int:pk>/b2b/meetings/", organiser.meetings, name="meetings"),
    path(
        "manage/events/<int:pk>/b2b/meetings/<int:meeting_pk>/cancel/",
        organiser.meeting_cancel,
        name="manage_meeting_cancel",
    ),
    path("manage/events/<int:pk>/b2b/schedule/", organiser.schedule, name="schedule"),
    path("manage/events/<int:pk>/b2b/grid.pdf", organiser.grid_pdf, name="grid_pdf"),
    path("manage/events/<int:pk>/b2b/instance.json", organiser.instance_json, name="instance"),
]
