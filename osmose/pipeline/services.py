"""Every change to ventures: creation, the stage moves with their evidence, TRL, team,
IP, support actions, funding rounds, seed-fund deals and milestones. Each is audited.

Stage rules (beyond ``STAGE_TRANSITIONS``):
- "company created" (and later) needs the company: a registry organisation with its SIREN
  and its creation date — the evidence behind "startups created";
- "first funding" needs a funding round;
- "licensed" needs the licensee organisation;
- "stopped" needs the reason.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from osmose.core.audit import log_action
from osmose.pipeline.models import (
    DEAL_TRANSITIONS,
    STAGE_TRANSITIONS,
    Deal,
    DealStatus,
    FundingRound,
    IpAsset,
    Milestone,
    Stage,
    StageChange,
    SupportAction,
    TeamMember,
    TrlRecord,
    Venture,
)
from osmose.registry.models import Organisation, Person

VENTURE_FIELDS = ["name", "summary", "technology", "origin", "tech_transfer_office"]


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def create_venture(
    *,
    actor: Any,
    values: dict[str, Any],
    terms: Iterable[Any] = (),
    on: date | None = None,
) -> Venture:
    """A new venture at the idea stage (its first ``StageChange`` dated ``on``)."""
    for name in values:
        if name not in VENTURE_FIELDS:
            raise ValueError(f"{name} is not a venture field")
    on = on or timezone.localdate()
    _not_in_future(on)
    venture = Venture(stage=Stage.IDEA, stage_since=on, created_by=_user(actor), **values)
    venture.full_clean()
    venture.save()
    venture.terms.set(list(terms))
    StageChange.objects.create(
        venture=venture, to_stage=Stage.IDEA, on=on, recorded_by=_user(actor)
    )
    log_action("pipeline.venture.created", actor=actor, target=venture)
    return venture


@transaction.atomic
def update_venture(
    *, actor: Any, venture: Venture, values: dict[str, Any], terms: Iterable[Any] | None = None
) -> Venture:
    locked = Venture.objects.select_for_update().get(pk=venture.pk)
    for name, value in values.items():
        if name not in VENTURE_FIELDS:
            raise ValueError(f"{name} is not a venture field")
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if terms is not None:
        locked.terms.set(list(terms))
    log_action(
        "pipeline.venture.updated", actor=actor, target=locked, data={"fields": sorted(values)}
    )
    return locked


def _not_in_future(on: date) -> None:
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})


# How long before the venture's first record its company may have been founded (a project
# is often recorded after the founders filed the company's papers), and no more.
FOUNDED_BEFORE_IDEA = 730


def allowed_stages(venture: Venture) -> list[str]:
    return [s for s in Stage.values if s in STAGE_TRANSITIONS.get(venture.stage, set())]


@transaction.atomic
def move_to_stage(
    *,
    actor: Any,
    venture: Venture,
    stage: str,
    on: date | None = None,
    note: str = "",
    company: Organisation | None = None,
    licensee: Organisation | None = None,
    reason: str = "",
) -> Venture:
    """Move along ``STAGE_TRANSITIONS``, checking the evidence each stage needs."""
    locked = Venture.objects.select_for_update().get(pk=venture.pk)
    if stage not in STAGE_TRANSITIONS.get(locked.stage, set()):
        raise ValidationError(
            _("A venture cannot go from “%(from)s” to “%(to)s”.")
            % {"from": locked.get_stage_display(), "to": Stage(stage).label}
        )
    on = on or timezone.localdate()
    _not_in_future(on)
    if locked.stage_since and on < locked.stage_since:
        raise ValidationError({"on": _("The move cannot be dated before the current stage began.")})
    company = company or locked.company
    if stage == Stage.COMPANY_CREATED:
        if company is None:
            raise ValidationError(
                {"company": _("Name the company it became (from the directory).")}
            )
        if not company.siren or company.founded_on is None:
            raise ValidationError(
                {
                    "company": _(
                        "The company needs its SIREN and its creation date in the directory: "
                        "they are the evidence that it was created."
                    )
                }
            )
        _check_company(locked, company, on)
        locked.company = company
    if stage in (Stage.FIRST_FUNDING, Stage.GROWTH) and not locked.rounds.exists():
        raise ValidationError(_("Record the funding round first."))
    if stage == Stage.LICENSED:
        if licensee is None:
            raise ValidationError({"licensee": _("Name the company that took the licence.")})
        locked.licensee = licensee
    if stage == Stage.STOPPED:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why it stopped.")})
        locked.stopped_reason = reason[:300]
    old = locked.stage
    locked.stage = stage
    locked.stage_since = on
    locked.save()
    StageChange.objects.create(
        venture=locked,
        from_stage=old,
        to_stage=stage,
        on=on,
        note=(note or reason)[:300],
        recorded_by=_user(actor),
    )
    log_action(
        "pipeline.venture.moved",
        actor=actor,
        target=locked,
        data={"from": old, "to": stage, "on": on.isoformat()},
    )
    venture.stage, venture.stage_since, venture.company = stage, on, locked.company
    return locked


def _check_company(venture: Venture, company: Organisation, on: date) -> None:
    """The company is this venture's own, founded around its creation: one company counts
    as one startup created, and an old company is not a new startup."""
    taken = Venture.objects.filter(company=company).exclude(pk=venture.pk).first()
    if taken is not None:
        raise ValidationError(
            {
                "company": _("This company is already the one “%(venture)s” became.")
                % {"venture": taken.name}
            }
        )
    assert company.founded_on is not None
    first = venture.stage_changes.order_by("on").values_list("on", flat=True).first() or on
    if company.founded_on > on or (first - company.founded_on).days > FOUNDED_BEFORE_IDEA:
        raise ValidationError(
            {
                "company": _(
                    "The company's creation date (%(founded)s) does not fit: it must be on or "
                    "before the move, and not long before the venture was first recorded."
                )
                % {"founded": company.founded_on.isoformat()}
            }
        )


@transaction.atomic
def record_trl(*, actor: Any, venture: Venture, level: int, on: date, note: str = "") -> TrlRecord:
    if not 1 <= int(level) <= 9:
        raise ValidationError({"level": _("A TRL is between 1 and 9.")})
    record = TrlRecord.objects.create(venture=venture, level=level, on=on, note=note)
    latest = venture.trl_records.order_by("-on", "-pk").first()
    Venture.objects.filter(pk=venture.pk).update(trl=latest.level if latest else None)
    venture.refresh_from_db(fields=["trl"])
    log_action("pipeline.trl.recorded", actor=actor, target=venture, data={"level": level})
    return record


@transaction.atomic
def add_team_member(
    *, actor: Any, venture: Venture, person: Person, role: str, since: date | None = None
) -> TeamMember:
    member, _created = TeamMember.objects.get_or_create(
        venture=venture, person=person, role=role, defaults={"since": since}
    )
    log_action("pipeline.team.added", actor=actor, target=venture, data={"person": person.pk})
    return member


def _create(model: type, *, actor: Any, venture: Venture, code: str, **values: Any) -> Any:
    obj = model(venture=venture, **values)
    obj.full_clean()
    obj.save()
    log_action(code, actor=actor, target=venture, data={"id": obj.pk})
    return obj


@transaction.atomic
def add_ip(*, actor: Any, venture: Venture, **values: Any) -> IpAsset:
    return _create(IpAsset, actor=actor, venture=venture, code="pipeline.ip.added", **values)


@transaction.atomic
def add_support(*, actor: Any, venture: Venture, **values: Any) -> SupportAction:
    return _create(
        SupportAction, actor=actor, venture=venture, code="pipeline.support.added", **values
    )


@transaction.atomic
def add_round(
    *,
    actor: Any,
    venture: Venture,
    on: date,
    instrument: str,
    amount: Decimal,
    investors: Iterable[Organisation] = (),
    note: str = "",
) -> FundingRound:
    funding = _create(
        FundingRound,
        actor=actor,
        venture=venture,
        code="pipeline.round.added",
        on=on,
        instrument=instrument,
        amount=amount,
        note=note,
    )
    funding.investors.set(list(investors))
    return funding


@transaction.atomic
def add_milestone(*, actor: Any, venture: Venture, title: str, due_on: date) -> Milestone:
    return _create(
        Milestone, actor=actor, venture=venture, code="pipeline.milestone.added", title=title,
        due_on=due_on,
    )  # fmt: skip


@transaction.atomic
def complete_milestone(*, actor: Any, milestone: Milestone, on: date | None = None) -> Milestone:
    milestone.done_on = on or timezone.localdate()
    milestone.save(update_fields=["done_on"])
    log_action("pipeline.milestone.done", actor=actor, target=milestone.venture)
    return milestone


# -- seed fund -----------------------------------------------------------------------------


@transaction.atomic
def propose_deal(
    *,
    actor: Any,
    venture: Venture,
    fund: Organisation,
    on: date | None = None,
    amount: Decimal | None = None,
    follow_on_of: Deal | None = None,
    note: str = "",
) -> Deal:
    if follow_on_of is not None and (
        follow_on_of.venture_id != venture.pk
        or follow_on_of.fund_id != fund.pk
        or follow_on_of.status != DealStatus.INVESTED
    ):
        raise ValidationError(
            {
                "follow_on_of": _(
                    "A follow-on follows an investment of the same fund in the same venture."
                )
            }
        )
    deal = Deal.objects.create(
        venture=venture,
        fund=fund,
        proposed_on=on or timezone.localdate(),
        amount=amount,
        follow_on_of=follow_on_of,
        note=note,
    )
    log_action("pipeline.deal.proposed", actor=actor, target=venture, data={"deal": deal.pk})
    return deal


@transaction.atomic
def move_deal(
    *,
    actor: Any,
    deal: Deal,
    status: str,
    on: date | None = None,
    amount: Decimal | None = None,
    instrument: str = "equity",
) -> Deal:
    """Along ``DEAL_TRANSITIONS``; "invested" records the funding round (the fund as investor)."""
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if status not in DEAL_TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("A deal cannot go from “%(from)s” to “%(to)s”.")
            % {"from": locked.get_status_display(), "to": DealStatus(status).label}
        )
    on = on or timezone.localdate()
    if status == DealStatus.INVESTED:
        amount = amount or locked.amount
        if not amount:
            raise ValidationError({"amount": _("Give the amount invested.")})
        locked.amount = amount
        locked.funding_round = add_round(
            actor=actor,
            venture=locked.venture,
            on=on,
            instrument=instrument,
            amount=amount,
            investors=[locked.fund],
            note=_("Seed fund investment"),
        )
    if status in (DealStatus.INVESTED, DealStatus.DECLINED):
        locked.decided_on = on
    old = locked.status
    locked.status = status
    locked.save()
    log_action(
        "pipeline.deal.moved",
        actor=actor,
        target=locked.venture,
        data={"deal": locked.pk, "from": old, "to": status},
    )
    deal.status = status
    return locked


def conflicts_of_interest(deal: Deal) -> list[Person]:
    """People of the fund (current affiliations) who are also linked to the venture: its
    current team, or affiliated with its company or its origin — to be declared before
    committee (``selectors.conflicts_by_deal`` for one deal)."""
    from osmose.pipeline.selectors import conflicts_by_deal

    return conflicts_by_deal([deal]).get(deal.pk, [])
