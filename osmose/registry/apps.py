from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "osmose.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from osmose.core.demo import register_step
        from osmose.registry import demo

        register_step("registry", order=30, run=demo.run, reset=demo.reset)
