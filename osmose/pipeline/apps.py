from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "osmose.pipeline"
    label = "pipeline"
    verbose_name = _("Ventures")

    def ready(self) -> None:
        from osmose.pipeline.timeline import ventures_timeline
        from osmose.registry import timeline

        timeline.register(ventures_timeline)

        from osmose.core.demo import register_step
        from osmose.pipeline import demo

        register_step("pipeline", order=70, run=demo.run, reset=demo.reset)
