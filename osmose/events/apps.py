from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "osmose.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from osmose.core.demo import register_step
        from osmose.events import demo

        register_step("events", order=40, run=demo.run, reset=demo.reset)

        from osmose.events.timeline import registrations_timeline
        from osmose.registry import timeline

        timeline.register(registrations_timeline)
