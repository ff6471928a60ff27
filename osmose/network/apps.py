from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "osmose.network"
    label = "network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from osmose.core.demo import register_step
        from osmose.network import demo

        register_step("network", order=50, run=demo.run, reset=demo.reset)
