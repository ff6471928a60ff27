"""Ventures on the registry's timelines: an organisation's ventures (as their origin, the
company they became, their licensee, an investor in a round) and a person's (team member)."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from osmose.pipeline.models import FundingRound, Stage, StageChange, TeamMember, Venture
from osmose.registry.models import Organisation
from osmose.registry.timeline import TimelineItem

LIMIT = 100


def _url(venture_id: int) -> str:
    return reverse("pipeline:venture", args=[venture_id])


def _organisation_items(organisation: Organisation) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    ventures = Venture.objects.filter(
        Q(origin=organisation) | Q(company=organisation) | Q(licensee=organisation)
    ).order_by("-pk")[:LIMIT]
    by_pk = {v.pk: v for v in ventures}
    if by_pk:
        # The dated moves that concern this organisation: the start, the creation, the licence.
        changes = StageChange.objects.filter(venture_id__in=list(by_pk)).filter(
            Q(from_stage="") | Q(to_stage__in=[Stage.COMPANY_CREATED, Stage.LICENSED])
        )
        for change in changes.order_by("on", "pk"):
            venture = by_pk[change.venture_id]
            if change.from_stage == "" and venture.origin_id == organisation.pk:
                text = _("Venture %(venture)s starts here")
            elif change.to_stage == Stage.COMPANY_CREATED and venture.company_id == organisation.pk:
                text = _("Venture %(venture)s becomes this company")
            elif change.to_stage == Stage.LICENSED and venture.licensee_id == organisation.pk:
                text = _("Takes a licence of venture %(venture)s")
            else:
                continue
            items.append(
                TimelineItem(
                    change.on,
                    "venture",
                    text % {"venture": venture.name},
                    url=_url(venture.pk),
                    detail=venture.get_stage_display(),
                )
            )
    rounds = (
        FundingRound.objects.filter(investors=organisation)
        .select_related("venture")
        .order_by("-on", "-pk")[:LIMIT]
    )
    for funding in rounds:
        items.append(
            TimelineItem(
                funding.on,
                "venture",
                _("Invests in %(venture)s (%(instrument)s)")
                % {"venture": funding.venture.name, "instrument": funding.get_instrument_display()},
                url=_url(funding.venture_id),
            )
        )
    return items


def ventures_timeline(
    organisation: Organisation | None, person_ids: list[int]
) -> list[TimelineItem]:
    if organisation is not None:
        return _organisation_items(organisation)
    items = []
    members = (
        TeamMember.objects.filter(person_id__in=person_ids)
        .select_related("venture", "person")
        .order_by("-pk")[:LIMIT]
    )
    for member in members:
        items.append(
            TimelineItem(
                member.since or member.venture.created_at,
                "venture",
                _("%(role)s of venture %(venture)s")
                % {"role": member.get_role_display(), "venture": member.venture.name},
                url=_url(member.venture_id),
            )
        )
    return items
