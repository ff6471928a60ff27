from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "osmose.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from osmose.core import demo_steps
        from osmose.core.demo import register_step

        register_step("core", order=20, run=demo_steps.run, reset=demo_steps.reset)
