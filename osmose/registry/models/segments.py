from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from osmose.core.models import TimeStampedModel


class Segment(TimeStampedModel):
    """A saved directory query ("bioproduction SMEs in 37 and 45"): it stays live."""

    class Target(models.TextChoices):
        ORGANISATIONS = "organisations", _("Organisations")
        PEOPLE = "people", _("People")

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("short name"), max_length=150, unique=True)
    target = models.CharField(_("lists"), max_length=15, choices=Target.choices)
    query = models.JSONField(
        _("query"),
        default=dict,
        help_text=_("The search text and facets, as in the directory URL."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="segments"
    )

    class Meta:
        verbose_name = _("segment")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
