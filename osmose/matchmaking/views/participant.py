"""A participant's B2B space: join, profile and offers, the marketplace, requests, agenda.

Reached with the ticket's secret token (as in the e-mails), without logging in: whoever holds
the token acts as that registrant, and sees only their own data. These pages are never
cached nor sent on as a referrer (``token_page``). Every change is a POST through
``services``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from osmose.core.models import Term
from osmose.events.access import get_registration_by_token
from osmose.events.models import Event, Registration, RegistrationStatus
from osmose.events.views.public import token_page
from osmose.matchmaking import agenda, recommend, services
from osmose.matchmaking.forms import (
    AnswerForm,
    MarketplaceFilterForm,
    MeetingRequestForm,
    OfferForm,
    ProfileForm,
)
from osmose.matchmaking.models import (
    LIVE_REQUEST_STATUSES,
    Brokerage,
    Exclusion,
    ExclusionSource,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Offer,
    OfferKind,
    Participant,
    RequestStatus,
)

MARKETPLACE_PAGE_SIZE = 20
HOME_RECOMMENDATIONS = 5
REQUEST_ACTIONS = {"accept", "decline", "withdraw"}


@dataclass
class Space:
    """Who is behind a token: their registration, the event's B2B meetings, and their
    participation (None until they join)."""

    registration: Registration
    brokerage: Brokerage
    participant: Participant | None

    @property
    def event(self) -> Event:
        return self.brokerage.event

    @property
    def token(self) -> str:
        return self.registration.token

    @property
    def confirmed(self) -> bool:
        return self.registration.status == RegistrationStatus.CONFIRMED

    @property
    def joined(self) -> bool:
        """Takes part now: joined, still active, registration still confirmed."""
        return self.participant is not None and self.participant.active and self.confirmed


def get_space(token: str) -> Space:
    """The space of the registration holding ``token``; 404 for an unknown token or an
    event without B2B meetings."""
    registration = get_registration_by_token(token)
    brokerage = Brokerage.objects.select_related("event").filter(event=registration.event).first()
    if brokerage is None:
        raise Http404
    participant = (
        Participant.objects.select_related("registration__person", "registration__organisation")
        .filter(registration=registration, brokerage=brokerage)
        .first()
    )
    if participant is not None:
        participant.brokerage = brokerage
    return Space(registration, brokerage, participant)


ParticipantView = Callable[..., HttpResponse]


def participant_required(view: ParticipantView) -> ParticipantView:
    """Pass the ``Space`` of a participant who takes part; others go back to the space's
    home, which says why (not joined yet, left, registration cancelled)."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        space = get_space(token)
        if not space.joined:
            if space.participant is None and space.confirmed:
                messages.info(request, _("Join the B2B meetings first."))
            return redirect("matchmaking:space", token)
        return view(request, space, *args, **kwargs)

    return wrapper


def _context(space: Space, tab: str, **values: Any) -> dict[str, Any]:
    return {
        "space": space,
        "event": space.event,
        "brokerage": space.brokerage,
        "participant": space.participant,
        "token": space.token,
        "tab": tab,
        "requests_open": services.requests_open(space.brokerage),
        **values,
    }


def _errors(request: HttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _form_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _back(request: HttpRequest, fallback: str) -> str:
    """The page the form came from (``next``), when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _others(space: Space) -> QuerySet[Participant]:
    """The other active participants, with what cards show."""
    assert space.participant is not None
    return (
        Participant.objects.filter(brokerage=space.brokerage, active=True)
        .exclude(pk=space.participant.pk)
        .select_related("registration__person", "registration__organisation")
    )


@dataclass
class Card:
    """A participant as the marketplace shows them, and where the viewer stands with them."""

    participant: Participant
    label: str
    offers: list[Offer]
    wants: list[Offer]
    sent: MeetingRequest | None = None
    received: MeetingRequest | None = None
    met: bool = False
    declined: bool = False
    reasons: list[str] = field(default_factory=list)


def _cards(
    participants: Iterable[Participant],
    relations: "Relations",
    reasons: dict[int, list[str]] | None = None,
) -> list[Card]:
    people = list(participants)
    prefetch_related_objects(people, "offers__terms__vocabulary")
    cards = []
    for person in people:
        offers = list(person.offers.all())
        cards.append(
            Card(
                participant=person,
                label=agenda.participant_label(person),
                offers=[o for o in offers if o.kind == OfferKind.OFFER],
                wants=[o for o in offers if o.kind == OfferKind.REQUEST],
                sent=relations.sent.get(person.pk),
                received=relations.received.get(person.pk),
                met=person.pk in relations.met,
                declined=person.pk in relations.declined,
                reasons=(reasons or {}).get(person.pk, []),
            )
        )
    return cards


@dataclass
class Relations:
    """Where the participant stands with the others: requests, meetings, "no thanks"."""

    sent: dict[int, MeetingRequest]
    received: dict[int, MeetingRequest]
    met: set[int]
    declined: set[int]

    @classmethod
    def of(cls, participant: Participant) -> "Relations":
        live = MeetingRequest.objects.filter(
            Q(requester=participant) | Q(recipient=participant), status__in=LIVE_REQUEST_STATUSES
        )
        sent, received = {}, {}
        for request in live:
            if request.requester_id == participant.pk:
                sent[request.recipient_id] = request
            else:
                received[request.requester_id] = request
        meetings = Meeting.objects.filter(participants=participant, status=MeetingStatus.PLANNED)
        met = set(
            Participant.objects.filter(meetings__in=meetings)
            .exclude(pk=participant.pk)
            .values_list("pk", flat=True)
        )
        declined = set(
            Exclusion.objects.filter(
                participant=participant, source=ExclusionSource.PARTICIPANT
            ).values_list("other_id", flat=True)
        )
        return cls(sent, received, met, declined)


# -- home and joining -------------------------------------------------------------------------


@token_page
@require_http_methods(["GET"])
def space(request: HttpRequest, token: str) -> HttpResponse:
    """The participant's home: how the B2B meetings work and how to join, or a summary."""
    space = get_space(token)
    context = _context(space, "space", sessions=list(space.brokerage.sessions.all()))
    participant = space.participant
    if space.joined:
        assert participant is not None
        kinds = set(participant.offers.values_list("kind", flat=True))
        context.update(
            {
                "has_offers": OfferKind.OFFER in kinds,
                "has_requests": OfferKind.REQUEST in kinds,
                "waiting": MeetingRequest.objects.filter(
                    recipient=participant, status=RequestStatus.PENDING
                ).count(),
                "sent_waiting": MeetingRequest.objects.filter(
                    requester=participant, status=RequestStatus.PENDING
                ).count(),
                "meetings": services.meeting_count(participant),
                "recommendations": recommend.recommendations(
                    participant, limit=HOME_RECOMMENDATIONS
                ),
            }
        )
    return render(request, "matchmaking/space/home.html", context)


@token_page
@require_http_methods(["POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    space = get_space(token)
    if space.joined:
        return redirect("matchmaking:space", token)
    try:
        services.join(space.registration)
    except ValidationError as error:
        _errors(request, error)
        return redirect("matchmaking:space", token)
    messages.success(
        request,
        _(
            "Welcome to the B2B meetings! Say in one sentence what you do, then add what "
            "you offer and what you are looking for."
        ),
    )
    return redirect("matchmaking:profile", token)


# -- profile and offers -----------------------------------------------------------------------


@token_page
@require_http_methods(["GET", "POST"])
@participant_required
def profile(request: HttpRequest, space: Space) -> HttpResponse:
    participant = space.participant
    assert participant is not None
    if request.method == "POST":
        form = ProfileForm(request.POST, brokerage=space.brokerage)
        if form.is_valid():
            try:
                services.update_profile(
                    participant,
                    headline=form.cleaned_data["headline"],
                    unavailable_slots=form.cleaned_data["unavailable_slots"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("matchmaking:profile", space.token)
    else:
        form = ProfileForm(
            initial={
                "headline": participant.headline,
                "unavailable_slots": participant.unavailable_slots,
            },
            brokerage=space.brokerage,
        )
    offers = list(participant.offers.prefetch_related("terms__vocabulary"))
    return render(
        request,
        "matchmaking/space/profile.html",
        _context(
            space,
            "profile",
            form=form,
            offers=[o for o in offers if o.kind == OfferKind.OFFER],
            wants=[o for o in offers if o.kind == OfferKind.REQUEST],
        ),
    )


@token_page
@require_http_methods(["GET", "POST"])
@participant_required
def offer_edit(request: HttpRequest, space: Space, pk: int | None = None) -> HttpResponse:
    """A new offer or request (``?kind=request``), or one of the participant's own."""
    participant = space.participant
    assert participant is not None
    offer = get_object_or_404(Offer, pk=pk, participant=participant) if pk else None
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_valid():
            try:
                saved = services.save_offer(participant, offer=offer, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
                return redirect("matchmaking:profile", space.token)
    elif offer is not None:
        form = OfferForm(
            initial={
                "kind": offer.kind,
                "category": offer.category,
                "title": offer.title,
                "description": offer.description,
                "terms": [t.pk for t in offer.terms.all()],
            }
        )
    else:
        kind = request.GET.get("kind")
        form = OfferForm(initial={"kind": kind if kind in OfferKind.values else OfferKind.OFFER})
    return render(
        request,
        "matchmaking/space/offer_form.html",
        _context(space, "profile", form=form, offer=offer),
    )


@token_page
@require_http_methods(["POST"])
@participant_required
def offer_delete(request: HttpRequest, space: Space, pk: int) -> HttpResponse:
    participant = space.participant
    assert participant is not None
    offer = get_object_or_404(Offer, pk=pk, participant=participant)
    services.delete_offer(participant, offer)
    messages.success(request, _("“%(title)s” is deleted.") % {"title": offer.title})
    return redirect("matchmaking:profile", space.token)


# -- marketplace ------------------------------------------------------------------------------


def _filter_participants(
    participants: QuerySet[Participant], brokerage: Brokerage, data: dict[str, Any]
) -> QuerySet[Participant]:
    for word in (data.get("q") or "").split():
        participants = participants.filter(
            Q(registration__person__given_name__icontains=word)
            | Q(registration__person__family_name__icontains=word)
            | Q(registration__organisation__name__icontains=word)
            | Q(registration__organisation_name__icontains=word)
            | Q(headline__icontains=word)
            | Q(pk__in=Offer.objects.filter(title__icontains=word).values("participant_id"))
        )
    # One offer must match the kind, category and term together.
    offer_filters = {
        name: data[key]
        for key, name in (("kind", "kind"), ("category", "category"), ("term", "terms"))
        if data.get(key)
    }
    if offer_filters:
        matching = Offer.objects.filter(participant__brokerage=brokerage, **offer_filters)
        participants = participants.filter(pk__in=matching.values("participant_id"))
    if data.get("organisation_kind"):
        participants = participants.filter(
            registration__organisation__kind=data["organisation_kind"]
        )
    if data.get("sector"):
        participants = participants.filter(registration__organisation__sector=data["sector"])
    return participants


@token_page
@require_http_methods(["GET"])
@participant_required
def marketplace(request: HttpRequest, space: Space) -> HttpResponse:
    """Every other participant, filtered; "who you should meet" on top when unfiltered."""
    participant = space.participant
    assert participant is not None
    used_terms = Term.objects.filter(b2b_offers__participant__brokerage=space.brokerage).distinct()
    form = MarketplaceFilterForm(request.GET, terms=used_terms)
    data = form.cleaned_data if form.is_valid() else {}
    participants = _filter_participants(_others(space), space.brokerage, data).order_by(
        "registration__person__family_name", "registration__person__given_name", "pk"
    )
    page = Paginator(participants, MARKETPLACE_PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = form.is_filtered()
    relations = Relations.of(participant)
    suggestions = [] if filtered or page.number > 1 else recommend.recommendations(participant)
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "matchmaking/space/marketplace.html",
        _context(
            space,
            "marketplace",
            form=form,
            page=page,
            cards=_cards(page, relations),
            filtered=filtered,
            params=urlencode(params),
            recommendations=_cards(
                [r.participant for r in suggestions],
                relations,
                {r.participant.pk: r.reasons for r in suggestions},
            ),
            next=request.get_full_path(),
        ),
    )


@token_page
@require_http_methods(["GET", "POST"])
@participant_required
def detail(request: HttpRequest, space: Space, pk: int) -> HttpResponse:
    """One participant's profile, and the form to ask them for a meeting."""
    participant = space.participant
    assert participant is not None
    if pk == participant.pk:
        return redirect("matchmaking:profile", space.token)
    other = get_object_or_404(_others(space), pk=pk)
    form = MeetingRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.request_meeting(participant, other, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if made.requester_id == other.pk:
                messages.success(request, _("You both asked for this meeting: it is accepted."))
            else:
                messages.success(
                    request,
                    _("Your request is sent: you will get an e-mail when %(name)s answers.")
                    % {"name": other.person},
                )
            return redirect("matchmaking:participant", space.token, other.pk)
    card = _cards([other], Relations.of(participant))[0]
    return render(
        request,
        "matchmaking/space/detail.html",
        _context(
            space,
            "marketplace",
            other=other,
            card=card,
            form=form,
            can_ask=not (card.sent or card.met)
            and not services.are_colleagues(participant, other)
            and services.excluded(participant, other) is None,
            next=request.get_full_path(),
        ),
    )


@token_page
@require_http_methods(["POST"])
@participant_required
def no_thanks(request: HttpRequest, space: Space, pk: int) -> HttpResponse:
    """Toggle "no thanks" for a participant (they leave the recommendations)."""
    participant = space.participant
    assert participant is not None
    other = get_object_or_404(_others(space), pk=pk)
    fallback = reverse("matchmaking:marketplace", args=[space.token])
    if Exclusion.objects.filter(
        participant=participant, other=other, source=ExclusionSource.PARTICIPANT
    ).exists():
        services.undo_no_thanks(participant, other)
        messages.success(request, _("%(name)s is back in your suggestions.") % {"name": other})
    else:
        try:
            services.no_thanks(participant, other)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(
                request, _("You will not be suggested %(name)s any more.") % {"name": other}
            )
    return redirect(_back(request, fallback))


# -- requests ---------------------------------------------------------------------------------


@token_page
@require_http_methods(["GET"])
@participant_required
def requests(request: HttpRequest, space: Space) -> HttpResponse:
    """Requests received (waiting ones first) and sent, with their answers."""
    participant = space.participant
    assert participant is not None
    related = (
        "requester__registration__person",
        "requester__registration__organisation",
        "recipient__registration__person",
        "recipient__registration__organisation",
        "suggested__registration__person",
        "suggested__registration__organisation",
    )
    pending_first = Case(
        When(status=RequestStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    received = list(
        MeetingRequest.objects.filter(recipient=participant)
        .select_related(*related)
        .order_by(pending_first, "-created_at", "-pk")
    )
    sent = list(
        MeetingRequest.objects.filter(requester=participant)
        .select_related(*related)
        .order_by(pending_first, "-created_at", "-pk")
    )
    others = [(p.pk, agenda.participant_label(p)) for p in _others(space).order_by(
        "registration__person__family_name", "registration__person__given_name", "pk"
    )]  # fmt: skip
    return render(
        request,
        "matchmaking/space/requests.html",
        _context(
            space,
            "requests",
            received=received,
            sent=sent,
            others=others,
            waiting=sum(1 for r in received if r.status == RequestStatus.PENDING),
        ),
    )


@token_page
@require_http_methods(["POST"])
@participant_required
def request_action(request: HttpRequest, space: Space, pk: int, action: str) -> HttpResponse:
    """Accept or decline a request received; withdraw one sent. Other people's: 404."""
    participant = space.participant
    assert participant is not None
    if action not in REQUEST_ACTIONS:
        raise Http404
    back = redirect("matchmaking:requests", space.token)
    if action == "withdraw":
        meeting_request = get_object_or_404(MeetingRequest, pk=pk, requester=participant)
        try:
            services.withdraw_request(meeting_request)
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("Your request is withdrawn."))
        return back
    meeting_request = get_object_or_404(
        MeetingRequest.objects.select_related("requester__registration__person"),
        pk=pk,
        recipient=participant,
    )
    others = _others(space).exclude(pk=meeting_request.requester_id)
    form = AnswerForm(request.POST, others=others)
    if not form.is_valid():
        messages.error(request, _("Unknown participant."))
        return back
    try:
        services.answer_request(
            meeting_request,
            accept=action == "accept",
            reply=form.cleaned_data["reply"],
            suggested=None if action == "accept" else form.cleaned_data["suggested"],
        )
    except ValidationError as error:
        _errors(request, error)
        return back
    name = meeting_request.requester.person
    if action == "accept":
        messages.success(
            request,
            _("You will meet %(name)s. The meeting is on your agenda.") % {"name": name},
        )
    else:
        messages.success(request, _("You declined the request of %(name)s.") % {"name": name})
    return back


# -- agenda -----------------------------------------------------------------------------------


@token_page
@require_http_methods(["GET"])
@participant_required
def agenda_page(request: HttpRequest, space: Space) -> HttpResponse:
    """The meetings: with time and table once the schedule is published, "to be scheduled"
    before."""
    participant = space.participant
    assert participant is not None
    items = agenda.agenda(participant)
    published = space.brokerage.schedule_published
    return render(
        request,
        "matchmaking/space/agenda.html",
        _context(
            space,
            "agenda",
            published=published,
            placed=[i for i in items if published and i.slot is not None],
            waiting=[i for i in items if not (published and i.slot is not None)],
        ),
    )


@token_page
@require_http_methods(["GET"])
@participant_required
def agenda_ics(request: HttpRequest, space: Space) -> HttpResponse:
    """The placed meetings as a calendar file, once the schedule is published."""
    participant = space.participant
    assert participant is not None
    if not space.brokerage.schedule_published:
        raise Http404
    response = HttpResponse(
        agenda.agenda_ics(participant), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="b2b-meetings-{space.event.pk}.ics"'
    return response


@token_page
@require_http_methods(["GET", "POST"])
@participant_required
def meeting_cancel(request: HttpRequest, space: Space, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST cancels (the others are told). Others' meetings: 404."""
    participant = space.participant
    assert participant is not None
    meeting = get_object_or_404(
        Meeting.objects.filter(brokerage=space.brokerage, participants=participant).distinct(),
        pk=pk,
    )
    if meeting.status != MeetingStatus.PLANNED:
        messages.info(request, _("This meeting is already cancelled."))
        return redirect("matchmaking:agenda", space.token)
    others = meeting.participants.exclude(pk=participant.pk).select_related(
        "registration__person", "registration__organisation"
    )
    with_whom = ", ".join(agenda.participant_label(p) for p in others)
    if request.method == "GET":
        return render(
            request,
            "matchmaking/space/meeting_cancel.html",
            _context(space, "agenda", meeting=meeting, with_whom=with_whom),
        )
    try:
        services.cancel_my_meeting(meeting, participant)
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Your meeting with %(who)s is cancelled.") % {"who": with_whom})
    return redirect("matchmaking:agenda", space.token)
