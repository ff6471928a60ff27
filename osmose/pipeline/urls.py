from django.urls import path

from osmose.pipeline.views import funnel, seed_fund, ventures

app_name = "pipeline"
urlpatterns = [
    path("ventures/", ventures.index, name="index"),
    path("ventures/new/", ventures.venture_create, name="venture_create"),
    path("ventures/funnel/", funnel.funnel, name="funnel"),
    path("ventures/funnel.<str:fmt>", funnel.funnel_export, name="funnel_export"),
    path("ventures/seed-fund/", seed_fund.seed_fund, name="seed_fund"),
    path("ventures/lookup/people", ventures.person_lookup, name="person_lookup"),
    path("ventures/<int:pk>/", ventures.venture_detail, name="venture"),
    path("ventures/<int:pk>/edit/", ventures.venture_edit, name="venture_edit"),
    path("ventures/<int:pk>/move/", ventures.venture_move, name="venture_move"),
    path(
        "ventures/<int:pk>/milestones/<int:milestone_pk>/done/",
        ventures.milestone_done,
        name="milestone_done",
    ),
    path("ventures/<int:pk>/<slug:section>/", ventures.venture_add, name="venture_add"),
    path("ventures/deals/<int:pk>/move/", ventures.deal_move, name="deal_move"),
]
