from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "osmose.matchmaking"
    label = "matchmaking"
    verbose_name = _("Meetings")

    def ready(self) -> None:
        from osmose.events import extensions
        from osmose.events.signals import registration_cancelled
        from osmose.matchmaking import agenda, hooks

        extensions.register_badge_lines(agenda.badge_lines)
        extensions.register_ticket_links(hooks.ticket_links)
        extensions.register_manage_links(hooks.manage_links)
        registration_cancelled.connect(hooks.registration_cancelled, dispatch_uid="b2b-leave")

        from osmose.core.demo import register_step
        from osmose.matchmaking import demo

        register_step("matchmaking", order=60, run=demo.run, reset=demo.reset)
