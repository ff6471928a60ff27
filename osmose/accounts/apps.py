from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "osmose.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from osmose.accounts import demo_steps
        from osmose.core.demo import register_step

        register_step("accounts", order=10, run=demo_steps.run, reset=demo_steps.reset)
