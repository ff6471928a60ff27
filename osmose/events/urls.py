from django.urls import path

from osmose.events.views import analytics, checkin, manage, public, tickets

app_name = "events"
urlpatterns = [
    # Public side: calendar, event pages, registration, tickets, invitations, survey.
    path("events/", public.calendar, name="calendar"),
    path("events/calendar.ics", public.calendar_feed, name="calendar_feed"),
    path("events/<int:pk>/", public.event_detail, name="event"),
    path("events/<int:pk>/register/", public.register, name="register"),
    path("events/<int:pk>/event.ics", public.event_ics, name="event_ics"),
    path(
        "events/organisations/suggest",
        public.organisation_suggestions,
        name="organisation_suggestions",
    ),
    path("invitations/<str:token>/", public.invitation, name="invitation"),
    path("invitations/<str:token>/decline/", public.invitation_decline, name="invitation_decline"),
    path("tickets/", tickets.my_tickets, name="my_tickets"),
    path("tickets/<str:token>/", tickets.ticket, name="ticket"),
    path("tickets/<str:token>/ticket.pdf", tickets.ticket_pdf, name="ticket_pdf"),
    path("tickets/<str:token>/ticket.ics", tickets.ticket_ics, name="ticket_ics"),
    path("tickets/<str:token>/qr.svg", tickets.ticket_qr, name="ticket_qr"),
    path("tickets/<str:token>/cancel/", tickets.ticket_cancel, name="ticket_cancel"),
    path("tickets/<str:token>/confirm/", tickets.ticket_confirm, name="ticket_confirm"),
    path("tickets/<str:token>/survey/", tickets.survey, name="survey"),
    # Organiser side.
    path("manage/events/", manage.event_list, name="manage_list"),
    path("manage/events/new/", manage.event_create, name="event_create"),
    path("manage/events/communes", manage.commune_lookup, name="commune_lookup"),
    path("manage/events/<int:pk>/", manage.event_manage, name="manage"),
    path("manage/events/<int:pk>/edit/", manage.event_edit, name="event_edit"),
    path("manage/events/<int:pk>/status/", manage.event_status, name="event_status"),
    path("manage/events/<int:pk>/sessions/", manage.sessions, name="sessions"),
    path("manage/events/<int:pk>/questions/", manage.questions, name="questions"),
    path("manage/events/<int:pk>/registrations/", manage.registrations, name="registrations"),
    path(
        "manage/events/<int:pk>/registrations/add/",
        manage.registration_add,
        name="registration_add",
    ),
    path(
        "manage/events/<int:pk>/registrations/export.<str:fmt>",
        manage.registrations_export,
        name="registrations_export",
    ),
    path(
        "manage/events/<int:pk>/registrations/<int:registration_pk>/<str:action>/",
        manage.registration_action,
        name="registration_action",
    ),
    path("manage/events/<int:pk>/badges.pdf", manage.badges_pdf, name="badges"),
    path("manage/events/<int:pk>/invitations/", manage.invitations, name="invitations"),
    path("manage/events/<int:pk>/messages/", manage.messages, name="messages"),
    path("manage/events/<int:pk>/attendance/", manage.attendance_close, name="attendance_close"),
    path("manage/events/<int:pk>/check-in/", checkin.checkin_page, name="checkin"),
    path("manage/events/<int:pk>/check-in/search", checkin.checkin_search, name="checkin_search"),
    path("manage/events/<int:pk>/check-in/sync", checkin.checkin_sync, name="checkin_sync"),
    path("manage/events/<int:pk>/check-in/walk-in/", checkin.walk_in, name="walk_in"),
    path("manage/events/<int:pk>/analytics/", analytics.event_analytics, name="analytics"),
    path(
        "manage/events/<int:pk>/analytics.<str:fmt>",
        analytics.event_analytics_export,
        name="analytics_export",
    ),
    path("manage/events/analytics/", analytics.overview, name="analytics_overview"),
    path("manage/events/analytics.<str:fmt>", analytics.overview_export, name="overview_export"),
]
