"""A participant's B2B space, through HTTP: join, profile and offers, the marketplace,
requests, the agenda and its calendar file; the token is the only key."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from osmose.core.models import Term, Vocabulary
from osmose.events import services as event_services
from osmose.events.models import Registration, RegistrationStatus
from osmose.events.tests import factories as event_factories
from osmose.matchmaking import scheduling, services
from osmose.matchmaking.models import (
    Brokerage,
    Exclusion,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Offer,
    OfferKind,
    Participant,
    Priority,
    RequestStatus,
)
from osmose.matchmaking.tests import factories
from osmose.matchmaking.views import participant as participant_views

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PAGES = ["space", "profile", "offer_new", "marketplace", "requests", "agenda"]


def url(name: str, token: str, *args: object) -> str:
    return reverse(f"matchmaking:{name}", args=[token, *args])


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def register(brokerage: Brokerage, *, organisation=None, **values) -> Registration:
    """A confirmed registration (not joined yet)."""
    registrant = event_factories.registrant(
        organisation_id=organisation.pk if organisation else None,
        organisation_name=organisation.name if organisation else "",
        **values,
    )
    return event_services.register(
        event=brokerage.event, registrant=registrant, notify=False, organiser=True
    ).registration


@pytest.fixture
def terms():
    vocabulary = Vocabulary.objects.create(
        slug="b2b-test", name_fr="Modalités", name_en="Modalities"
    )
    return {
        slug: Term.objects.create(vocabulary=vocabulary, slug=slug, name_fr=name, name_en=name)
        for slug, name in [("antibodies", "Antibodies"), ("vaccines", "Vaccines")]
    }


@pytest.fixture
def brokerage():
    """Two sessions of six 20-minute slots, two tables, in Paris time."""
    return factories.brokerage(slots=6, sessions=2, tables=2)


@pytest.fixture
def people(brokerage):
    """A (a startup looking for antibodies), B (a public lab offering them), C (a company)."""
    startup = factories.organisation(name="BioStart", kind="startup", sector="private")
    lab = factories.organisation(name="Lab Public", kind="academic_lab", sector="public")
    company = factories.organisation(name="PharmaCo", kind="company", sector="private")
    a = factories.participant(brokerage, organisation=startup, given_name="Ada")
    b = factories.participant(brokerage, organisation=lab, given_name="Bruno")
    c = factories.participant(brokerage, organisation=company, given_name="Chloé")
    return a, b, c


def offer(participant, kind, title, *terms, category="technology"):
    return services.save_offer(participant, kind=kind, category=category, title=title, terms=terms)


def accept(a, b):
    return services.answer_request(services.request_meeting(a, b), accept=True)


# -- joining ----------------------------------------------------------------------------------


def test_it_explains_the_meetings_and_lets_a_confirmed_registrant_join(client, brokerage):
    registration = register(brokerage)
    page = client.get(url("space", registration.token), **EN)
    assert page.status_code == 200
    assert "Join the B2B meetings" in page.text and "Session 1" in page.text
    assert "20 minutes" in page.text
    assert page["Cache-Control"] == "private, no-store"
    assert page["Referrer-Policy"] == "same-origin"
    response = client.post(url("join", registration.token), **EN)
    assert response.status_code == 302 and response["Location"] == url(
        "profile", registration.token
    )
    participant = Participant.objects.get(registration=registration)
    assert participant.active and participant.brokerage == brokerage
    home = client.get(url("space", registration.token), **EN)
    assert "Join the B2B meetings" not in home.text and "Who you should meet" in home.text


def test_it_sends_those_who_have_not_joined_back_to_the_space(client, brokerage):
    registration = register(brokerage)
    for name in PAGES[1:]:
        response = client.get(url(name, registration.token))
        assert response.status_code == 302, name
        assert response["Location"] == url("space", registration.token), name
    assert not Participant.objects.exists()


def test_it_404s_an_unknown_token_and_an_event_without_b2b_meetings(client, brokerage):
    for name in PAGES:
        assert client.get(url(name, "not-a-token")).status_code == 404, name
    assert client.post(url("join", "not-a-token")).status_code == 404
    other_event = event_factories.event()
    registration = event_services.register(
        event=other_event, registrant=event_factories.registrant(), notify=False
    ).registration
    assert client.get(url("space", registration.token)).status_code == 404
    assert client.post(url("join", registration.token)).status_code == 404


def test_a_waitlisted_registration_cannot_join(client, brokerage):
    event = brokerage.event
    event.capacity = 1
    event.save()
    register(brokerage)
    waiting = event_services.register(
        event=event, registrant=event_factories.registrant(), notify=False
    ).registration
    assert waiting.status == RegistrationStatus.WAITLISTED
    page = client.get(url("space", waiting.token), **EN)
    assert "Only confirmed registrants take part" in page.text
    assert url("join", waiting.token) not in page.text
    response = client.post(url("join", waiting.token), **EN)
    assert response["Location"] == url("space", waiting.token)
    assert "Only confirmed registrants take part in the B2B meetings." in texts(response)
    assert not Participant.objects.filter(registration=waiting).exists()


def test_a_cancelled_registration_leaves_and_cannot_join_again(client, brokerage, people):
    a, b, _c = people
    accept(a, b)
    event_services.cancel(actor=None, registration=a.registration, notify=False)
    page = client.get(url("space", a.registration.token), **EN)
    assert "Your registration is cancelled" in page.text
    assert url("join", a.registration.token) not in page.text
    client.post(url("join", a.registration.token))
    assert not Participant.objects.get(pk=a.pk).active
    for name in PAGES[1:]:
        assert client.get(url(name, a.registration.token))["Location"] == url(
            "space", a.registration.token
        )


def test_a_participant_who_left_may_join_again(client, brokerage, people):
    a, _b, _c = people
    services.leave(a)
    page = client.get(url("space", a.registration.token), **EN)
    assert "You left the B2B meetings." in page.text
    client.post(url("join", a.registration.token))
    assert Participant.objects.get(pk=a.pk).active


def test_a_post_without_the_csrf_token_is_refused(brokerage, people):
    a, b, _c = people
    registration = register(brokerage)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url("join", registration.token)).status_code == 403
    assert strict.post(url("participant", a.registration.token, b.pk)).status_code == 403
    assert strict.post(url("no_thanks", a.registration.token, b.pk)).status_code == 403
    assert not Participant.objects.filter(registration=registration).exists()
    assert not MeetingRequest.objects.exists() and not Exclusion.objects.exists()
    # With the token from the page, the same POST goes through.
    strict.get(url("space", registration.token))
    token = strict.cookies["csrftoken"].value
    strict.post(url("join", registration.token), {"csrfmiddlewaretoken": token})
    assert Participant.objects.filter(registration=registration).exists()


def test_changes_are_posts_only(client, people):
    a, b, _c = people
    token = a.registration.token
    assert client.get(url("join", token)).status_code == 405
    assert client.get(url("no_thanks", token, b.pk)).status_code == 405
    request = services.request_meeting(b, a)
    assert client.get(url("request_action", token, request.pk, "accept")).status_code == 405
    assert MeetingRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING


# -- the token is the key -------------------------------------------------------------------


def test_a_token_shows_its_own_data_to_anyone_who_holds_it(
    animator_client, member_client, outsider_client, people
):
    a, b, _c = people
    services.update_profile(a, headline="Ada's secret plan")
    services.update_profile(b, headline="Bruno's own headline")
    for client in (animator_client, member_client, outsider_client):
        page = client.get(url("profile", a.registration.token), **EN)
        assert page.status_code == 200
        assert "Ada&#x27;s secret plan" in page.text and "Bruno" not in page.text
        page = client.get(url("profile", b.registration.token), **EN)
        assert "Bruno&#x27;s own headline" in page.text and "secret plan" not in page.text


# -- profile and offers -----------------------------------------------------------------------


def test_it_saves_the_headline_and_the_unavailable_slots(client, brokerage, people):
    a, _b, _c = people
    token = a.registration.token
    page = client.get(url("profile", token), **EN)
    slots = brokerage.slots()
    first = timezone.localtime(slots[0].starts_at, ZoneInfo(brokerage.event.time_zone))
    assert "Session 1 · " in page.text and first.strftime("%H:%M") in page.text
    assert "Session 2" in page.text
    response = client.post(
        url("profile", token), {"headline": "We make antibodies", "unavailable_slots": ["2", "8"]}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert (a.headline, a.unavailable_slots) == ("We make antibodies", [2, 8])
    response = client.post(url("profile", token), {"headline": "x", "unavailable_slots": ["99"]})
    assert response.status_code == 200 and "field-error" in response.text
    a.refresh_from_db()
    assert a.unavailable_slots == [2, 8]


def test_it_adds_edits_and_deletes_offers_and_requests(client, people, terms):
    a, b, _c = people
    token = a.registration.token
    form = client.get(url("offer_new", token) + "?kind=request", **EN)
    assert form.context["form"]["kind"].value() == "request"
    assert '<optgroup label="Modalities">' in form.text
    response = client.post(
        url("offer_new", token),
        {
            "kind": "request",
            "category": "technology",
            "title": "An antibody platform",
            "description": "For our lead",
            "terms": [terms["antibodies"].pk],
        },
    )
    assert response.status_code == 302
    wanted = Offer.objects.get(participant=a)
    assert (wanted.kind, wanted.title) == (OfferKind.REQUEST, "An antibody platform")
    assert list(wanted.terms.all()) == [terms["antibodies"]]
    client.post(
        url("offer_edit", token, wanted.pk),
        {"kind": "request", "category": "licensing", "title": "A licence", "terms": []},
    )
    wanted.refresh_from_db()
    assert (wanted.category, wanted.title, wanted.terms.count()) == ("licensing", "A licence", 0)
    invalid = client.post(url("offer_new", token), {"kind": "offer", "category": "nope"})
    assert invalid.status_code == 200 and Offer.objects.count() == 1
    profile = client.get(url("profile", token), **EN)
    assert "A licence" in profile.text and "Add an offer" in profile.text
    # Someone else's offer is not reachable with this token.
    theirs = offer(b, OfferKind.OFFER, "Bruno's offer")
    assert client.get(url("offer_edit", token, theirs.pk)).status_code == 404
    assert client.post(url("offer_delete", token, theirs.pk)).status_code == 404
    assert Offer.objects.filter(pk=theirs.pk).exists()
    assert client.get(url("offer_delete", token, wanted.pk)).status_code == 405
    client.post(url("offer_delete", token, wanted.pk))
    assert not Offer.objects.filter(pk=wanted.pk).exists()


# -- marketplace and recommendations ----------------------------------------------------------


@pytest.fixture
def market(people, terms):
    a, b, c = people
    offer(a, OfferKind.REQUEST, "Looking for antibodies", terms["antibodies"])
    offer(a, OfferKind.OFFER, "Our vaccine know-how", terms["vaccines"], category="expertise")
    offer(b, OfferKind.OFFER, "Antibody engineering", terms["antibodies"])
    offer(c, OfferKind.REQUEST, "Investors wanted", category="investment")
    services.update_profile(c, headline="Fill-and-finish at scale")
    return people


def names_listed(response) -> set[str]:
    return {card.participant.person.given_name for card in response.context["cards"]}


def test_the_marketplace_lists_the_others_and_its_filters_combine(client, market, terms):
    a, _b, _c = market
    token = a.registration.token
    page = url("marketplace", token)
    assert names_listed(client.get(page)) == {"Bruno", "Chloé"}
    assert names_listed(client.get(page, {"q": "fill-and-finish"})) == {"Chloé"}
    assert names_listed(client.get(page, {"q": "engineering"})) == {"Bruno"}
    assert names_listed(client.get(page, {"q": "pharmaco"})) == {"Chloé"}
    assert names_listed(client.get(page, {"kind": "offer"})) == {"Bruno"}
    assert names_listed(client.get(page, {"kind": "request"})) == {"Chloé"}
    assert names_listed(client.get(page, {"category": "investment"})) == {"Chloé"}
    assert names_listed(client.get(page, {"term": terms["antibodies"].pk})) == {"Bruno"}
    assert names_listed(client.get(page, {"sector": "public"})) == {"Bruno"}
    assert names_listed(client.get(page, {"organisation_kind": "company"})) == {"Chloé"}
    # One offer must match the kind and the category together.
    assert names_listed(client.get(page, {"kind": "offer", "category": "investment"})) == set()
    assert names_listed(client.get(page, {"kind": "request", "sector": "public"})) == set()


def test_the_marketplace_pages_its_results(client, market, monkeypatch):
    a, _b, _c = market
    monkeypatch.setattr(participant_views, "MARKETPLACE_PAGE_SIZE", 1)
    first = client.get(url("marketplace", a.registration.token), {"sector": "private"})
    assert first.context["page"].paginator.num_pages == 1
    first = client.get(url("marketplace", a.registration.token), **EN)
    assert first.context["page"].paginator.num_pages == 2
    assert "page=2" in first.text
    second = client.get(url("marketplace", a.registration.token), {"page": 2})
    assert names_listed(first) | names_listed(second) == {"Bruno", "Chloé"}
    assert second.context["recommendations"] == []


def test_the_marketplace_keeps_its_queries_few(
    client, market, brokerage, django_assert_max_num_queries
):
    a, _b, _c = market
    for number in range(6):
        offer(factories.participant(brokerage), OfferKind.OFFER, f"Offer {number}")
    with django_assert_max_num_queries(25):
        response = client.get(url("marketplace", a.registration.token))
    assert len(response.context["cards"]) == 8


def test_recommendations_show_who_to_meet_and_why(client, market):
    a, b, _c = market
    token = a.registration.token
    home = client.get(url("space", token), **EN)
    assert "Bruno" in home.text
    assert "Offers what you are looking for: Antibodies" in home.text
    assert url("participant", token, b.pk) in home.text
    market_page = client.get(url("marketplace", token), **EN)
    recommended = market_page.context["recommendations"]
    assert recommended[0].participant == b
    assert any("Antibodies" in reason for reason in recommended[0].reasons)
    assert "A public–private bridge" in market_page.text
    filtered = client.get(url("marketplace", token), {"q": "bruno"}, **EN)
    assert filtered.context["recommendations"] == []


def test_no_thanks_hides_from_the_recommendations_and_can_be_undone(client, market):
    a, b, _c = market
    token = a.registration.token
    page = url("marketplace", token)
    response = client.post(url("no_thanks", token, b.pk), {"next": page})
    assert response["Location"] == page
    assert Exclusion.objects.filter(participant=a, other=b).exists()
    after = client.get(page, **EN)
    assert after.context["recommendations"] == []
    assert "Undo “no thanks”" in after.text
    assert "Bruno" not in client.get(url("space", token), **EN).text
    client.post(url("no_thanks", token, b.pk), {"next": "https://evil.example/"})
    assert not Exclusion.objects.exists()
    assert client.get(page).context["recommendations"][0].participant == b


# -- requests ---------------------------------------------------------------------------------


def test_the_whole_flow_from_request_to_agenda(
    client, brokerage, market, animator, django_capture_on_commit_callbacks
):
    a, b, _c = market
    a_token, b_token = a.registration.token, b.registration.token
    detail = client.get(url("participant", a_token, b.pk), **EN)
    assert "Antibody engineering" in detail.text and "Request a meeting" in detail.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("participant", a_token, b.pk),
            {"message": "Let us talk antibodies", "priority": Priority.MUST_MEET},
        )
    assert response.status_code == 302
    request = MeetingRequest.objects.get(requester=a, recipient=b)
    assert (request.priority, request.message) == (Priority.MUST_MEET, "Let us talk antibodies")
    assert [m.to for m in mail.outbox] == [[b.person.email]]
    assert url("requests", b_token) in mail.outbox[0].body
    again = client.get(url("participant", a_token, b.pk), **EN)
    assert "waiting for an answer" in again.text and "<textarea" not in again.text
    # B sees it waiting and accepts.
    home = client.get(url("space", b_token), **EN)
    assert home.context["waiting"] == 1
    received = client.get(url("requests", b_token), **EN)
    assert "Let us talk antibodies" in received.text
    assert url("request_action", b_token, request.pk, "accept") in received.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("request_action", b_token, request.pk, "accept"), {"reply": "Gladly"})
    request.refresh_from_db()
    assert (request.status, request.reply) == (RequestStatus.ACCEPTED, "Gladly")
    meeting = Meeting.objects.get(participants=a)
    # Before the schedule: "to be scheduled", no calendar file.
    agenda_page = client.get(url("agenda", a_token), **EN)
    assert "To be scheduled" in agenda_page.text and "Bruno" in agenda_page.text
    assert client.get(url("agenda_ics", a_token)).status_code == 404
    # The organiser schedules and publishes.
    scheduling.execute(scheduling.start_run(brokerage, time_limit=5))
    meeting.refresh_from_db()
    assert meeting.slot and meeting.table
    assert "To be scheduled" in client.get(url("agenda", a_token), **EN).text
    services.publish(brokerage, actor=animator)
    agenda_page = client.get(url("agenda", a_token), **EN)
    slot = brokerage.slots()[meeting.slot - 1]
    local = timezone.localtime(slot.starts_at, ZoneInfo(brokerage.event.time_zone))
    assert local.strftime("%H:%M") in agenda_page.text
    assert brokerage.table_name(meeting.table) in agenda_page.text
    assert "Bruno" in agenda_page.text and "To be scheduled" not in agenda_page.text
    assert url("agenda_ics", a_token) in agenda_page.text
    ics = client.get(url("agenda_ics", a_token))
    assert ics["Content-Type"].startswith("text/calendar")
    assert 'filename="b2b-meetings-' in ics["Content-Disposition"]
    assert ics["Cache-Control"] == "private, no-store"
    events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
    assert len(events) == 1
    assert events[0].decoded("DTSTART") == slot.starts_at
    assert events[0].decoded("DTEND") == slot.starts_at + timedelta(minutes=20)
    assert "Bruno" in str(events[0]["SUMMARY"])
    assert brokerage.table_name(meeting.table) in str(events[0]["LOCATION"])


def test_a_request_made_both_ways_is_accepted(client, market):
    a, b, _c = market
    services.request_meeting(b, a)
    response = client.post(url("participant", a.registration.token, b.pk), {"priority": 1}, **EN)
    assert "You both asked for this meeting: it is accepted." in texts(response)
    assert Meeting.objects.filter(participants=a).filter(participants=b).exists()


def test_errors_from_the_services_are_shown(client, brokerage, market):
    a, _b, _c = market
    colleague = factories.participant(
        brokerage, organisation=a.registration.organisation, given_name="Colette"
    )
    page = client.get(url("participant", a.registration.token, colleague.pk), **EN)
    assert "A meeting with this participant is not possible." in page.text
    response = client.post(
        url("participant", a.registration.token, colleague.pk), {"priority": 1}, **EN
    )
    assert response.status_code == 200
    assert "You work for the same organisation." in response.text
    assert not MeetingRequest.objects.exists()


def test_closed_requests_are_said_and_refused(client, brokerage, market):
    a, b, _c = market
    services.update(brokerage, requests_close_at=timezone.now() - timedelta(minutes=1))
    page = client.get(url("participant", a.registration.token, b.pk), **EN)
    assert "Meeting requests are closed." in page.text
    response = client.post(url("participant", a.registration.token, b.pk), {"priority": 1}, **EN)
    assert "Meeting requests are closed." in response.text
    assert not MeetingRequest.objects.exists()
    assert "Closed" in client.get(url("space", a.registration.token), **EN).text


def test_a_decline_may_suggest_someone_else(client, market):
    a, b, c = market
    request = services.request_meeting(a, b)
    page = client.get(url("requests", b.registration.token), **EN)
    assert f'<option value="{c.pk}">' in page.text
    assert f'<option value="{a.pk}">' not in page.text  # not the requester themselves
    client.post(
        url("request_action", b.registration.token, request.pk, "decline"),
        {"reply": "Not our field", "suggested": c.pk},
    )
    request.refresh_from_db()
    assert (request.status, request.suggested) == (RequestStatus.DECLINED, c)
    sent = client.get(url("requests", a.registration.token), **EN)
    assert "Not our field" in sent.text and "Declined" in sent.text
    assert url("participant", a.registration.token, c.pk) in sent.text
    assert not Meeting.objects.exists()


def test_a_sent_request_can_be_withdrawn(client, market):
    a, b, _c = market
    request = services.request_meeting(a, b)
    client.post(url("request_action", a.registration.token, request.pk, "withdraw"))
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    response = client.post(
        url("request_action", a.registration.token, request.pk, "withdraw"), **EN
    )
    assert "This request was already answered." in texts(response)


def test_a_participant_cannot_answer_or_withdraw_someone_elses_request(client, market):
    a, b, c = market
    request = services.request_meeting(a, b)
    c_token = c.registration.token
    for action in ("accept", "decline"):
        assert client.post(url("request_action", c_token, request.pk, action)).status_code == 404
    assert client.post(url("request_action", c_token, request.pk, "withdraw")).status_code == 404
    # The requester cannot accept their own request, nor the recipient withdraw it.
    assert (
        client.post(url("request_action", a.registration.token, request.pk, "accept")).status_code
        == 404
    )
    assert (
        client.post(url("request_action", b.registration.token, request.pk, "withdraw")).status_code
        == 404
    )
    assert (
        client.post(url("request_action", b.registration.token, request.pk, "x")).status_code == 404
    )
    assert MeetingRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING


# -- agenda -----------------------------------------------------------------------------------


def test_a_participant_cancels_their_meeting_after_confirming(
    client, brokerage, market, django_capture_on_commit_callbacks
):
    a, b, c = market
    accept(a, b)
    meeting = Meeting.objects.get(participants=a)
    token = a.registration.token
    confirm = client.get(url("meeting_cancel", token, meeting.pk), **EN)
    assert "Yes, cancel this meeting" in confirm.text and "Bruno" in confirm.text
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    # Someone else's meeting: 404, nothing changes.
    assert client.get(url("meeting_cancel", c.registration.token, meeting.pk)).status_code == 404
    assert client.post(url("meeting_cancel", c.registration.token, meeting.pk)).status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    response = client.post(url("meeting_cancel", token, meeting.pk), **EN)
    assert response["Location"] == url("agenda", token)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
    assert "No meeting yet." in client.get(url("agenda", token), **EN).text
    again = client.post(url("meeting_cancel", token, meeting.pk), **EN)
    assert "This meeting is already cancelled." in texts(again)


def test_the_pages_are_french_by_default(client, market):
    a, _b, _c = market
    page = client.get(url("space", a.registration.token))
    assert page.status_code == 200 and '<html lang="fr">' in page.text
