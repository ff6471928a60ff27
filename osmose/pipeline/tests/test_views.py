"""The ventures pages through HTTP, as an animator uses them (the kanban and its moves, the
venture page and its sections, the seed fund) and as a funder reads the funnel."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from osmose.core.models import AuditLogEntry
from osmose.pipeline import services
from osmose.pipeline.models import (
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
from osmose.pipeline.selectors import conflicts_by_deal
from osmose.registry.services.organisations import update_organisation
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(animator_client, funder_client, settings):
    """The pages in English, the source language: assertions read messages as written."""
    for client in (animator_client, funder_client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def lab():
    return factories.organisation(name="Laboratoire ICOA", kind="academic_lab", sector="public")


@pytest.fixture
def venture(lab):
    return services.create_venture(
        actor=None, values={"name": "NanoVax", "origin": lab}, on=date(2025, 1, 10)
    )


@pytest.fixture
def fund():
    return factories.organisation(name="Loire Amorçage", kind="investor")


def move(venture, stage, on, **kwargs):
    return services.move_to_stage(actor=None, venture=venture, stage=stage, on=on, **kwargs)


def page(response) -> str:
    return response.content.decode()


# --- Who sees what ----------------------------------------------------------------------------


ANIMATOR_PAGES = [
    ("pipeline:index", []),
    ("pipeline:venture_create", []),
    ("pipeline:seed_fund", []),
    ("pipeline:person_lookup", []),
    ("pipeline:venture", ["venture"]),
    ("pipeline:venture_edit", ["venture"]),
]
FUNDER_PAGES = [
    ("pipeline:funnel", []),
    ("pipeline:funnel_export", ["csv"]),
    ("pipeline:funnel_export", ["xlsx"]),
]


def _url(name, args, venture):
    return reverse(name, args=[venture.pk if a == "venture" else a for a in args])


@pytest.mark.parametrize(("name", "args"), ANIMATOR_PAGES)
def test_it_shows_the_animator_pages_to_animators_only(
    name, args, venture, animator_client, member_client, funder_client, outsider_client
):
    url = _url(name, args, venture)
    assert animator_client.get(url).status_code == 200
    assert member_client.get(url).status_code == 403
    assert funder_client.get(url).status_code == 403
    response = outsider_client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize(("name", "args"), FUNDER_PAGES)
def test_it_shows_the_funnel_to_animators_and_funders(
    name, args, venture, animator_client, member_client, funder_client, outsider_client
):
    url = _url(name, args, venture)
    assert animator_client.get(url).status_code == 200
    assert funder_client.get(url).status_code == 200
    assert member_client.get(url).status_code == 403
    response = outsider_client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def _post_urls(venture, deal, milestone):
    urls = [
        reverse("pipeline:venture_create"),
        reverse("pipeline:venture_edit", args=[venture.pk]),
        reverse("pipeline:venture_move", args=[venture.pk]),
        reverse("pipeline:deal_move", args=[deal.pk]),
        reverse("pipeline:milestone_done", args=[venture.pk, milestone.pk]),
    ]
    for section in ("trl", "team", "ip", "support", "rounds", "deals", "milestones"):
        urls.append(reverse("pipeline:venture_add", args=[venture.pk, section]))
    return urls


def test_it_refuses_every_write_to_members_funders_and_visitors(
    venture, fund, member_client, funder_client, outsider_client
):
    deal = services.propose_deal(actor=None, venture=venture, fund=fund, on=date(2025, 2, 1))
    milestone = services.add_milestone(
        actor=None, venture=venture, title="Proof of concept", due_on=date(2025, 6, 1)
    )
    for url in _post_urls(venture, deal, milestone):
        data = {"stage": Stage.MATURATION, "on": "2025-02-01", "name": "X", "status": "declined"}
        assert member_client.post(url, data).status_code == 403, url
        assert funder_client.post(url, data).status_code == 403, url
        response = outsider_client.post(url, data)
        assert response.status_code == 302 and "/login" in response["Location"], url
    venture.refresh_from_db()
    deal.refresh_from_db()
    milestone.refresh_from_db()
    assert (venture.stage, deal.status, milestone.done_on) == (Stage.IDEA, "proposed", None)
    assert not TrlRecord.objects.exists() and Venture.objects.count() == 1


def test_the_navigation_leads_animators_to_the_kanban_and_funders_to_the_funnel(
    animator_client, funder_client, member_client
):
    home = reverse("portal:dashboard")
    assert f'href="{reverse("pipeline:index")}"' in page(animator_client.get(home))
    assert f'href="{reverse("pipeline:funnel")}"' in page(funder_client.get(home))
    member_page = page(member_client.get(home))
    assert reverse("pipeline:funnel") not in member_page
    assert reverse("pipeline:index") not in member_page


# --- The kanban and its moves -----------------------------------------------------------------


def test_the_kanban_shows_each_venture_in_its_stage_column(venture, lab, animator_client):
    other = services.create_venture(actor=None, values={"name": "Cardiolis"}, on=date(2025, 1, 1))
    move(other, Stage.MATURATION, date(2025, 2, 1))
    services.record_trl(actor=None, venture=other, level=4, on=date(2025, 2, 2))
    response = animator_client.get(reverse("pipeline:index"))
    assert response.status_code == 200
    columns = {stage.value: [v.name for v, _form, _refused in cards] for stage, cards in
               response.context["columns"]}  # fmt: skip
    assert list(columns) == [
        "idea", "maturation", "pre_incubation", "incubation", "company_created",
        "first_funding", "growth", "licensed", "stopped",
    ]  # fmt: skip
    assert columns["idea"] == ["NanoVax"] and columns["maturation"] == ["Cardiolis"]
    html = page(response)
    assert "Laboratoire ICOA" in html and "Move to…" in html


def test_the_list_filters_by_stage_origin_and_creation(venture, lab, animator_client):
    other = services.create_venture(actor=None, values={"name": "Cardiolis"}, on=date(2025, 1, 1))
    move(other, Stage.MATURATION, date(2025, 2, 1))
    company = factories.organisation(siren="732829320", founded_on=date(2025, 3, 1))
    move(other, Stage.COMPANY_CREATED, date(2025, 3, 2), company=company)
    url = reverse("pipeline:index")

    def names(**params):
        response = animator_client.get(url, {"view": "list", **params})
        return [v.name for v in response.context["page"]]

    assert names() == ["Cardiolis", "NanoVax"]
    assert names(stage="idea") == ["NanoVax"]
    assert names(origin="icoa") == ["NanoVax"]
    assert names(created="yes") == ["Cardiolis"]
    assert names(created="no") == ["NanoVax"]


def test_a_legal_move_from_the_kanban_is_dated_logged_and_audited(venture, animator_client):
    response = animator_client.post(
        reverse("pipeline:venture_move", args=[venture.pk]),
        {"stage": Stage.MATURATION, "on": "2025-03-01", "query": "origin=ICOA"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pipeline:index") + "?origin=ICOA"
    venture.refresh_from_db()
    assert (venture.stage, venture.stage_since) == (Stage.MATURATION, date(2025, 3, 1))
    change = StageChange.objects.filter(venture=venture).last()
    assert change is not None
    assert (change.from_stage, change.to_stage, change.on) == (
        "idea",
        "maturation",
        date(2025, 3, 1),
    )
    assert change.recorded_by is not None
    entry = AuditLogEntry.objects.get(action="pipeline.venture.moved")
    assert entry.data == {"from": "idea", "to": "maturation", "on": "2025-03-01"}
    assert entry.actor == change.recorded_by
    assert "NanoVax moved to “Maturation”." in page(animator_client.get(response["Location"]))


def test_an_illegal_move_is_shown_on_its_card_and_changes_nothing(venture, animator_client):
    response = animator_client.post(
        reverse("pipeline:venture_move", args=[venture.pk]),
        {"stage": Stage.GROWTH, "on": "2025-03-01"},
    )
    assert response.status_code == 400
    html = page(response)
    assert "A venture cannot go from “Idea” to “Growth”." in html
    assert 'class="kanban-card kanban-card-refused" id="venture-' in html
    venture.refresh_from_db()
    assert venture.stage == Stage.IDEA
    assert StageChange.objects.filter(venture=venture).count() == 1
    assert not AuditLogEntry.objects.filter(action="pipeline.venture.moved").exists()


def test_company_created_is_refused_without_siren_and_date_then_accepted(
    venture, animator_client, animator
):
    move(venture, Stage.MATURATION, date(2025, 3, 1))
    company = factories.organisation(name="NanoVax SAS", kind="startup")
    url = reverse("pipeline:venture_move", args=[venture.pk])
    data = {
        "stage": Stage.COMPANY_CREATED,
        "on": "2025-06-01",
        "company": f"NanoVax SAS (#{company.pk})",
    }
    response = animator_client.post(url, data)
    assert response.status_code == 400
    assert "The company needs its SIREN and its creation date" in page(response)
    venture.refresh_from_db()
    assert venture.stage == Stage.MATURATION and venture.company is None

    update_organisation(
        actor=animator,
        organisation=company,
        values={"siren": "552081317", "founded_on": date(2025, 5, 20)},
    )
    response = animator_client.post(url, data)
    assert response.status_code == 302
    venture.refresh_from_db()
    assert venture.stage == Stage.COMPANY_CREATED and venture.company == company
    assert venture.is_created


def test_a_move_with_htmx_answers_the_board(venture, animator_client):
    url = reverse("pipeline:venture_move", args=[venture.pk])
    refused = animator_client.post(
        url, {"stage": Stage.STOPPED, "on": "2025-03-01"}, HTTP_HX_REQUEST="true"
    )
    # htmx swaps successful answers only: the refusal comes as a 200 with its errors.
    assert refused.status_code == 200
    assert "Say why it stopped." in page(refused)
    moved = animator_client.post(
        url, {"stage": Stage.STOPPED, "on": "2025-03-01", "reason": "No market"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert moved.status_code == 200
    assert "NanoVax moved to “Stopped”." in page(moved)
    venture.refresh_from_db()
    assert (venture.stage, venture.stopped_reason) == (Stage.STOPPED, "No market")


def test_a_move_from_the_venture_page_comes_back_to_it(venture, animator_client):
    url = reverse("pipeline:venture_move", args=[venture.pk])
    refused = animator_client.post(
        url, {"stage": Stage.MATURATION, "on": "2024-01-01", "back": "detail"}
    )
    assert refused.status_code == 400
    assert "The move cannot be dated before the current stage began." in page(refused)
    moved = animator_client.post(
        url, {"stage": Stage.MATURATION, "on": "2025-02-01", "back": "detail"}
    )
    assert moved["Location"] == reverse("pipeline:venture", args=[venture.pk])


def test_the_list_pages_keep_a_fixed_number_of_queries(
    lab, animator_client, django_assert_max_num_queries
):
    for number in range(12):
        v = services.create_venture(
            actor=None, values={"name": f"Venture {number}", "origin": lab}, on=date(2025, 1, 1)
        )
        if number % 2:
            move(v, Stage.MATURATION, date(2025, 2, 1))
    with django_assert_max_num_queries(10):
        animator_client.get(reverse("pipeline:index"))
    with django_assert_max_num_queries(10):
        animator_client.get(reverse("pipeline:index"), {"view": "list"})


# --- Creating and editing ---------------------------------------------------------------------


def test_an_animator_creates_and_edits_a_venture(lab, animator_client):
    tto = factories.organisation(name="SATT Ouest Valorisation", kind="tech_transfer")
    response = animator_client.post(
        reverse("pipeline:venture_create"),
        {
            "name": "Lumiscan",
            "summary": "Imaging",
            "origin": f"Laboratoire ICOA (#{lab.pk})",
            "tech_transfer_office": "SATT Ouest Valorisation",
            "on": "2025-01-05",
        },
    )
    venture = Venture.objects.get(name="Lumiscan")
    assert response["Location"] == reverse("pipeline:venture", args=[venture.pk])
    assert (venture.origin, venture.tech_transfer_office) == (lab, tto)
    assert venture.stage_changes.get().on == date(2025, 1, 5)

    edit = reverse("pipeline:venture_edit", args=[venture.pk])
    assert f'value="Laboratoire ICOA (#{lab.pk})"' in page(animator_client.get(edit))
    animator_client.post(edit, {"name": "Lumiscan Bio", "origin": "", "technology": "Optics"})
    venture.refresh_from_db()
    assert (venture.name, venture.origin, venture.technology) == ("Lumiscan Bio", None, "Optics")
    assert AuditLogEntry.objects.filter(action="pipeline.venture.updated").exists()


def test_a_venture_needs_a_name(animator_client):
    response = animator_client.post(reverse("pipeline:venture_create"), {"name": ""})
    assert response.status_code == 400
    assert not Venture.objects.exists()


# --- The venture page and its sections --------------------------------------------------------


def test_the_venture_page_shows_identity_history_and_jei_status(venture, animator_client, animator):
    move(venture, Stage.MATURATION, date(2025, 3, 1))
    company = factories.organisation(
        name="NanoVax SAS", siren="732829320", founded_on=date(2025, 5, 20), is_jei=True
    )
    move(venture, Stage.COMPANY_CREATED, date(2025, 6, 1), company=company)
    services.record_trl(actor=None, venture=venture, level=3, on=date(2025, 2, 1))
    services.record_trl(actor=None, venture=venture, level=5, on=date(2025, 7, 1))
    html = page(animator_client.get(reverse("pipeline:venture", args=[venture.pk])))
    assert "NanoVax SAS" in html and "SIREN 732829320" in html
    assert "Young innovative company (JEI)" in html
    assert html.count("<svg") == 1 and "TRL over time" in html
    assert "Company created" in html and "Maturation" in html


def test_an_animator_fills_the_sections_of_a_venture(venture, fund, animator_client):
    person = factories.person(given_name="Inès", family_name="Morel")
    provider = factories.organisation(name="Incubateur Centre", kind="incubator")
    co_investor = factories.organisation(name="Banque Régionale", kind="company")
    url = lambda section: reverse("pipeline:venture_add", args=[venture.pk, section])  # noqa: E731
    posts = {
        "trl": {"trl-level": "4", "trl-on": "2025-02-01", "trl-note": "Prototype"},
        "team": {"team-person": f"Inès Morel (#{person.pk})", "team-role": "founder"},
        "ip": {"ip-kind": "patent_application", "ip-title": "Nanoparticle vaccine",
               "ip-reference": "FR2501234", "ip-owner": f"Laboratoire ICOA (#{venture.origin_id})"},
        "support": {"support-kind": "coaching", "support-title": "Business model",
                    "support-on": "2025-02-10", "support-hours": "6",
                    "support-provider": f"Incubateur Centre (#{provider.pk})",
                    "support-outcome": "done"},
        "rounds": {"round-on": "2025-04-01", "round-instrument": "grant",
                   "round-amount": "30000", "round-investors": [str(fund.pk)],
                   "round-investor_add": f"Banque Régionale (#{co_investor.pk})"},
        "milestones": {"milestone-title": "First clinical batch", "milestone-due_on": "2025-09-01"},
    }  # fmt: skip
    for section, data in posts.items():
        response = animator_client.post(url(section), data)
        assert response.status_code == 302, (section, page(response))
        assert response["Location"].endswith(f"#{section}")
    venture.refresh_from_db()
    assert venture.trl == 4 and TrlRecord.objects.get().note == "Prototype"
    assert TeamMember.objects.get().person == person
    assert IpAsset.objects.get().owner_id == venture.origin_id
    assert SupportAction.objects.get().provider == provider
    assert set(FundingRound.objects.get().investors.all()) == {fund, co_investor}
    assert Milestone.objects.get().title == "First clinical batch"
    html = page(animator_client.get(reverse("pipeline:venture", args=[venture.pk])))
    for text in ("Inès Morel", "Nanoparticle vaccine", "Business model", "Banque Régionale"):
        assert text in html


def test_a_refused_section_form_shows_its_errors(venture, animator_client):
    response = animator_client.post(
        reverse("pipeline:venture_add", args=[venture.pk, "team"]),
        {"team-person": "Nobody Known", "team-role": "founder"},
    )
    assert response.status_code == 400
    assert "Pick the person among the suggestions." in page(response)
    assert not TeamMember.objects.exists()


def test_overdue_milestones_are_highlighted_and_can_be_marked_done(venture, animator_client):
    today = timezone.localdate()
    late = services.add_milestone(
        actor=None, venture=venture, title="Late one", due_on=today - timedelta(days=3)
    )
    services.add_milestone(
        actor=None, venture=venture, title="Next one", due_on=today + timedelta(days=30)
    )
    response = animator_client.get(reverse("pipeline:venture", args=[venture.pk]))
    assert [(m.title, overdue) for m, overdue in response.context["milestones"]] == [
        ("Late one", True), ("Next one", False),
    ]  # fmt: skip
    assert page(response).count('class="overdue"') == 1
    animator_client.post(reverse("pipeline:milestone_done", args=[venture.pk, late.pk]))
    late.refresh_from_db()
    assert late.done_on == today
    assert AuditLogEntry.objects.filter(action="pipeline.milestone.done").exists()


def test_the_person_lookup_suggests_people_of_the_directory(animator_client):
    person = factories.person(given_name="Inès", family_name="Morel")
    response = animator_client.get(reverse("pipeline:person_lookup"), {"q": "Morel"})
    assert f'value="Inès Morel (#{person.pk})"' in page(response)


# --- The seed fund ----------------------------------------------------------------------------


def test_a_deal_moved_to_invested_creates_the_funding_round(venture, fund, animator_client):
    response = animator_client.post(
        reverse("pipeline:venture_add", args=[venture.pk, "deals"]),
        {"deal-fund": str(fund.pk), "deal-on": "2025-03-01", "deal-amount": "150000"},
    )
    assert response.status_code == 302
    deal = Deal.objects.get()
    url = reverse("pipeline:deal_move", args=[deal.pk])
    for status in (DealStatus.UNDER_REVIEW, DealStatus.COMMITTEE):
        assert animator_client.post(url, {"status": status, "on": "2025-04-01"}).status_code == 302
    refused = animator_client.post(url, {"status": DealStatus.PROPOSED, "on": "2025-04-01"})
    assert refused.status_code == 400
    assert "A deal cannot go from “Investment committee” to “Proposed”." in page(refused)
    response = animator_client.post(
        url,
        {
            "status": DealStatus.INVESTED,
            "on": "2025-05-02",
            "amount": "120000",
            "instrument": "equity",
        },
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.status, deal.decided_on, deal.amount) == (
        DealStatus.INVESTED, date(2025, 5, 2), Decimal("120000"),
    )  # fmt: skip
    funding = FundingRound.objects.get()
    assert deal.funding_round == funding
    assert (funding.on, funding.amount, funding.instrument) == (
        date(2025, 5, 2), Decimal("120000"), "equity",
    )  # fmt: skip
    assert list(funding.investors.all()) == [fund]
    html = page(animator_client.get(reverse("pipeline:seed_fund")))
    assert "NanoVax" in html and "120,000" in html


def test_the_conflict_flag_names_the_fund_person_in_the_venture_team(
    venture, fund, animator_client
):
    partner = factories.person(given_name="Hugo", family_name="Lebrun", organisation=fund)
    bystander = factories.person(given_name="Léa", family_name="Roux", organisation=fund)
    services.add_team_member(actor=None, venture=venture, person=partner, role="mentor")
    deal = services.propose_deal(actor=None, venture=venture, fund=fund, on=date(2025, 3, 1))
    other = services.create_venture(actor=None, values={"name": "Cardiolis"}, on=date(2025, 1, 1))
    clean = services.propose_deal(actor=None, venture=other, fund=fund, on=date(2025, 3, 1))

    detail = page(animator_client.get(reverse("pipeline:venture", args=[venture.pk])))
    assert "Conflict of interest:" in detail and "Hugo Lebrun" in detail
    assert "Léa Roux" not in detail
    seed = animator_client.get(reverse("pipeline:seed_fund"))
    assert "1 open deal has a conflict of interest to declare." in page(seed)
    flagged = {row.deal.pk: [str(p) for p in row.conflicts] for _s, _l, rows in
               seed.context["flow"] for row in rows}  # fmt: skip
    assert flagged == {deal.pk: ["Hugo Lebrun"], clean.pk: []}
    assert bystander  # affiliated with the fund, not linked to a venture: no flag


def test_the_bulk_conflicts_agree_with_the_service(venture, fund, lab):
    insider = factories.person(family_name="Insider", organisation=fund)
    factories.person(family_name="Outsider", organisation=fund)
    factories.person(family_name="Researcher", organisation=lab)
    # Affiliated with both the fund and the venture's origin lab: a conflict.
    from osmose.registry.services.people import add_affiliation

    add_affiliation(actor=None, person=insider, organisation=lab)
    other_fund = factories.organisation(name="Ouest Ventures", kind="investor")
    deals = [
        services.propose_deal(actor=None, venture=venture, fund=fund, on=date(2025, 3, 1)),
        services.propose_deal(actor=None, venture=venture, fund=other_fund, on=date(2025, 3, 1)),
    ]
    deals = list(Deal.objects.select_related("venture").order_by("pk"))
    bulk = conflicts_by_deal(deals)
    assert {pk: [p.pk for p in people] for pk, people in bulk.items()} == {
        deal.pk: [p.pk for p in services.conflicts_of_interest(deal)] for deal in deals
    }
    assert [p.family_name for p in bulk[deals[0].pk]] == ["Insider"]


def test_the_seed_fund_page_keeps_a_fixed_number_of_queries(
    fund, animator_client, django_assert_max_num_queries
):
    for number in range(8):
        v = services.create_venture(actor=None, values={"name": f"V{number}"}, on=date(2025, 1, 1))
        factories.person(organisation=fund)
        services.propose_deal(actor=None, venture=v, fund=fund, on=date(2025, 2, 1))
    with django_assert_max_num_queries(12):
        animator_client.get(reverse("pipeline:seed_fund"))


# --- The funnel -------------------------------------------------------------------------------


@pytest.fixture
def funnel_data(lab):
    """In 2025: three ideas, two startups created (one funded); in 2024: one idea."""
    made = []
    for number, siren in enumerate(["732829320", "552081317", None]):
        v = services.create_venture(
            actor=None, values={"name": f"Venture {number}", "origin": lab}, on=date(2025, 1, 5)
        )
        if siren:
            company = factories.organisation(
                name=f"Startup {number} SAS", siren=siren, founded_on=date(2025, 4, 1)
            )
            move(v, Stage.MATURATION, date(2025, 2, 1))
            move(v, Stage.COMPANY_CREATED, date(2025, 4, 2), company=company)
        made.append(v)
    services.add_round(
        actor=None, venture=made[0], on=date(2025, 6, 1), instrument="grant",
        amount=Decimal("20000"),
    )  # fmt: skip
    move(made[0], Stage.FIRST_FUNDING, date(2025, 6, 2))
    services.create_venture(actor=None, values={"name": "Old idea"}, on=date(2024, 3, 1))
    return made


def test_the_funnel_counts_and_rates_for_the_period(funnel_data, animator_client):
    response = animator_client.get(
        reverse("pipeline:funnel"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    assert response.context["steps"] == [
        ("Ideas", 3, "—"), ("Startups created", 2, "67%"), ("Funded", 1, "50%"),
    ]  # fmt: skip
    html = page(response)
    assert html.count("<svg") == 2
    assert "Startup 0 SAS" in html and "732829320" in html
    assert reverse("pipeline:venture", args=[funnel_data[0].pk]) in html


def test_the_funnel_defaults_to_the_last_three_years(animator_client):
    response = animator_client.get(reverse("pipeline:funnel"))
    today = timezone.localdate()
    funnel = response.context["funnel"]
    assert (funnel.start, funnel.end) == (date(today.year - 2, 1, 1), today)
    assert [year for year, _cells in response.context["years"]] == [
        today.year - 2, today.year - 1, today.year,
    ]  # fmt: skip


def test_funders_see_the_created_startups_as_public_evidence_only(funnel_data, funder_client):
    html = page(
        funder_client.get(reverse("pipeline:funnel"), {"start": "2025-01-01", "end": "2025-12-31"})
    )
    assert "Startup 0 SAS" in html and "732829320" in html
    assert "Venture 0" not in html and "Laboratoire ICOA" not in html
    assert reverse("pipeline:venture", args=[funnel_data[0].pk]) not in html
    assert "/organisations/" not in html


def _expected_rows(rows):
    return {(r["period"], r["step"]): (int(r["count"]), r["rate"]) for r in rows}


def test_the_funnel_downloads_parse_back_with_the_right_counts(funnel_data, funder_client):
    params = {"start": "2024-01-01", "end": "2025-12-31"}
    csv_response = funder_client.get(reverse("pipeline:funnel_export", args=["csv"]), params)
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    by_key = _expected_rows(rows)
    assert by_key[("period", "idea")] == (4, "")
    assert by_key[("period", "company_created")] == (2, "0.5")
    assert by_key[("period", "first_funding")] == (1, "0.5")
    assert by_key[("2024", "idea")] == (1, "")
    assert by_key[("2024", "company_created")] == (0, "0.0")
    assert by_key[("2025", "idea")] == (3, "")
    assert by_key[("2025", "company_created")] == (2, "0.667")

    xlsx_response = funder_client.get(reverse("pipeline:funnel_export", args=["xlsx"]), params)
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    header, *values = list(sheet.iter_rows(values_only=True))
    assert list(header) == ["period", "start", "end", "step", "label", "count", "rate"]
    xlsx = {(r[0], r[3]): (r[5], r[6]) for r in values}
    assert xlsx[("period", "company_created")] == (2, 0.5)
    assert xlsx[("2025", "first_funding")] == (1, 0.5)
    assert len(values) == len(rows) == 9


def test_an_unknown_download_format_is_not_found(animator_client):
    assert animator_client.get(reverse("pipeline:funnel_export", args=["pdf"])).status_code == 404
