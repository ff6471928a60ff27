"""Who you should meet: participants scored against you, each score with its reasons.

The score adds up (weights below, chosen so that one precise match outranks vague ones):
- what they offer matches what you request (per shared taxonomy term; a category alone counts
  less), and what they request matches what you offer;
- their expertise (the registry's expertise terms) covers what you request;
- the private/public bridge: a public actor (academic lab, hospital, public body) and a
  private one that complete each other rank above two look-alikes;
- look-alikes (same kind of organisation offering the same things) lose points: they are
  more often competitors than partners.
Participants already met or asked, colleagues, and anyone either side said "no thanks" to (or
whom the organiser kept apart) are never recommended.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from osmose.core.models import Term
from osmose.matchmaking.models import (
    Exclusion,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    Offer,
    OfferKind,
    Participant,
)
from osmose.registry.models import Organisation, Person, Sector

OFFER_MATCHES_REQUEST = 3  # per shared term, their offer x your request
REQUEST_MATCHES_OFFER = 2  # per shared term, their request x your offer
SAME_CATEGORY = 1  # an offer and a request of the same category, no shared term
EXPERTISE = 1  # per expertise term covering one of your requests
BRIDGE = 2  # one public, one private, and something in common
LOOK_ALIKE = -2  # same kind of organisation, offering the same terms


@dataclass
class Recommendation:
    participant: Participant
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Profile:
    offer_terms: set[int] = field(default_factory=set)
    request_terms: set[int] = field(default_factory=set)
    offer_categories: set[str] = field(default_factory=set)
    request_categories: set[str] = field(default_factory=set)
    expertise: set[int] = field(default_factory=set)


def _profiles(participants: list[Participant]) -> dict[int, _Profile]:
    profiles = {p.pk: _Profile() for p in participants}
    offers = Offer.objects.filter(participant__in=profiles).prefetch_related("terms")
    for offer in offers:
        profile = profiles[offer.participant_id]
        terms = {t.pk for t in offer.terms.all()}
        if offer.kind == OfferKind.OFFER:
            profile.offer_terms |= terms
            profile.offer_categories.add(offer.category)
        else:
            profile.request_terms |= terms
            profile.request_categories.add(offer.category)
    person_ids = {p.registration.person_id: p.pk for p in participants}
    rows = Person.expertise.through.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "term_id"
    )
    for person_id, term_id in rows:
        profiles[person_ids[person_id]].expertise.add(term_id)
    return profiles


def _unavailable(participant: Participant) -> set[int]:
    """Participants ``participant`` must not be recommended: met, asked, excluded."""
    blocked: set[int] = set()
    for a, b in Exclusion.objects.filter(
        Q(participant=participant) | Q(other=participant)
    ).values_list("participant_id", "other_id"):
        blocked.update((a, b))
    for a, b in MeetingRequest.objects.filter(
        Q(requester=participant) | Q(recipient=participant), status__in=["pending", "accepted"]
    ).values_list("requester_id", "recipient_id"):
        blocked.update((a, b))
    meetings = Meeting.objects.filter(participants=participant, status=MeetingStatus.PLANNED)
    blocked.update(Participant.objects.filter(meetings__in=meetings).values_list("pk", flat=True))
    blocked.add(participant.pk)
    return blocked


class _Names:
    """Term names, read once per page."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def __call__(self, pks: set[int]) -> str:
        missing = pks - self._names.keys()
        if missing:
            self._names.update((t.pk, t.name) for t in Term.objects.filter(pk__in=missing))
        return ", ".join(sorted(self._names[pk] for pk in pks if pk in self._names)[:4])


def recommendations(participant: Participant, *, limit: int = 10) -> list[Recommendation]:
    """The best-scored participants for ``participant``, best first, with the reasons."""
    others = list(
        Participant.objects.filter(brokerage_id=participant.brokerage_id, active=True)
        .select_related("registration__person", "registration__organisation")
        .order_by("pk")
    )
    me = next((p for p in others if p.pk == participant.pk), participant)
    profiles = _profiles(others if me in others else [*others, me])
    mine = profiles[me.pk]
    blocked = _unavailable(me)
    my_org = me.registration.organisation
    names = _Names()
    scored = []
    for other in others:
        if other.pk in blocked:
            continue
        their_org = other.registration.organisation
        if my_org is not None and their_org is not None and my_org.pk == their_org.pk:
            continue
        recommendation = _score(mine, profiles[other.pk], my_org, their_org, other, names)
        if recommendation.score > 0:
            scored.append(recommendation)
    scored.sort(key=lambda r: (-r.score, r.participant.pk))
    return scored[:limit]


def _score(
    mine: _Profile,
    theirs: _Profile,
    my_org: Organisation | None,
    their_org: Organisation | None,
    other: Participant,
    names: "_Names",
) -> Recommendation:
    result = Recommendation(participant=other, score=0)
    they_offer = mine.request_terms & theirs.offer_terms
    if they_offer:
        result.score += OFFER_MATCHES_REQUEST * len(they_offer)
        result.reasons.append(
            _("Offers what you are looking for: %(terms)s") % {"terms": names(they_offer)}
        )
    elif mine.request_categories & theirs.offer_categories:
        result.score += SAME_CATEGORY
        result.reasons.append(_("Offers the kind of thing you are looking for"))
    they_request = mine.offer_terms & theirs.request_terms
    if they_request:
        result.score += REQUEST_MATCHES_OFFER * len(they_request)
        result.reasons.append(
            _("Looks for what you offer: %(terms)s") % {"terms": names(they_request)}
        )
    elif mine.offer_categories & theirs.request_categories:
        result.score += SAME_CATEGORY
        result.reasons.append(_("Looks for the kind of thing you offer"))
    expertise = mine.request_terms & theirs.expertise - they_offer
    if expertise:
        result.score += EXPERTISE * len(expertise)
        result.reasons.append(_("Expertise in %(terms)s") % {"terms": names(expertise)})
    if result.score > 0 and my_org is not None and their_org is not None:
        sectors = {my_org.sector, their_org.sector}
        if Sector.PUBLIC in sectors and Sector.PRIVATE in sectors:
            result.score += BRIDGE
            result.reasons.append(_("A public–private bridge"))
        elif my_org.kind == their_org.kind and mine.offer_terms & theirs.offer_terms:
            result.score += LOOK_ALIKE
    return result
