from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "osmose.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from osmose.events import extensions as events
        from osmose.matchmaking import extensions as matchmaking
        from osmose.network import hooks
        from osmose.registry import extensions as registry

        registry.register_actions(hooks.registry_actions)
        registry.register_organisation_sections(hooks.neighbourhood_section)
        events.register_registration_actions(hooks.registration_actions)
        matchmaking.register_meeting_actions(hooks.meeting_actions)

        from osmose.core.demo import register_step
        from osmose.network import demo

        register_step("network", order=80, run=demo.run, reset=demo.reset)
