from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "osmose.matchmaking"
    label = "matchmaking"
    verbose_name = _("Meetings")
