"""A registry merge moves what the apps above it link to the merged record, and its undo
moves it back (the registry finds these links itself: it does not import these apps)."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from osmose.core.models import AuditLogEntry
from osmose.events import services as events
from osmose.events.models import Registration
from osmose.events.tests import factories as event_factories
from osmose.network import services as network
from osmose.network.models import Collaboration, Introduction
from osmose.pipeline import services as pipeline
from osmose.pipeline.models import TeamMember, Venture
from osmose.registry.services.merge import merge_organisations, merge_people, undo_merge
from osmose.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _register(event, person):
    registrant = event_factories.registrant(
        given_name=person.given_name, family_name=person.family_name, email=person.email
    )
    return events.register(event=event, registrant=registrant).registration


def test_merging_people_moves_their_registrations_team_roles_and_links_and_undo_restores(
    animator,
):
    survivor = factories.person(given_name="Inès", family_name="Lefèvre", email="ines@a.test")
    other = factories.person(given_name="Ines", family_name="Lefevre", email="ines@b.test")
    friend = factories.person(family_name="Ami")
    both, only_other = event_factories.event(), event_factories.event()
    kept = _register(both, other)  # the survivor registered to this one too: it stays
    _register(both, survivor)
    moved = _register(only_other, other)
    venture = pipeline.create_venture(
        actor=animator, values={"name": "NanoVax", "origin": factories.organisation()}
    )
    pipeline.add_team_member(actor=animator, venture=venture, person=other, role="founder")
    introduction = network.introduce(actor=animator, person_a=other, person_b=friend, why="R&D")
    self_introduction = network.introduce(
        actor=animator, person_a=other, person_b=survivor, why="Same person"
    )
    collaboration = network.create_collaboration(
        actor=animator, values={"title": "Projet", "kind": "rd"},
        organisations=[factories.organisation()], people=[other, survivor],
    )  # fmt: skip

    entry = merge_people(actor=animator, survivor=survivor, other=other, take_from_other={})

    moved.refresh_from_db()
    kept.refresh_from_db()
    assert moved.person_id == survivor.pk
    assert kept.person_id == other.pk  # one live registration per person and event
    assert TeamMember.objects.get(venture=venture).person_id == survivor.pk
    assert Introduction.objects.get(pk=introduction.pk).person_a_id == survivor.pk
    # Introducing the survivor to themself would break the rule: that one stays.
    assert Introduction.objects.get(pk=self_introduction.pk).person_a_id == other.pk
    assert list(collaboration.people.all()) == [survivor]  # the twin link is dropped
    assert entry.data["linked"]["events.Registration.person"]["kept"] == [kept.pk]

    undo_merge(actor=animator, entry=entry)

    moved.refresh_from_db()
    assert moved.person_id == other.pk
    assert Registration.objects.filter(event=both, person=survivor).count() == 1
    assert TeamMember.objects.get(venture=venture).person_id == other.pk
    assert Introduction.objects.get(pk=introduction.pk).person_a_id == other.pk
    assert set(Collaboration.objects.get(pk=collaboration.pk).people.all()) == {other, survivor}


def test_merging_organisations_moves_ventures_events_and_collaborations(animator):
    survivor = factories.organisation(name="BioProd")
    other = factories.organisation(name="Bioprod SAS")
    venture = pipeline.create_venture(
        actor=animator,
        values={"name": "NanoVax", "origin": other, "tech_transfer_office": other},
        on=date(2025, 1, 10),
    )
    event = event_factories.event()
    event.organisers.set([other, survivor])
    event.partners.set([other])
    collaboration = network.create_collaboration(
        actor=animator, values={"title": "Projet", "kind": "rd"}, organisations=[other]
    )

    entry = merge_organisations(actor=animator, survivor=survivor, other=other, take_from_other={})

    venture = Venture.objects.get(pk=venture.pk)
    assert (venture.origin_id, venture.tech_transfer_office_id) == (survivor.pk, survivor.pk)
    assert list(event.organisers.all()) == [survivor]
    assert list(event.partners.all()) == [survivor]
    assert list(collaboration.organisations.all()) == [survivor]

    undo_merge(actor=animator, entry=entry)

    venture = Venture.objects.get(pk=venture.pk)
    assert (venture.origin_id, venture.tech_transfer_office_id) == (other.pk, other.pk)
    assert set(event.organisers.all()) == {other, survivor}
    assert list(event.partners.all()) == [other]
    assert list(collaboration.organisations.all()) == [other]


def test_the_merge_page_lists_what_moves_and_warns_of_what_stays(animator_client):
    survivor = factories.person(family_name="Lefèvre", email="ines@a.test")
    other = factories.person(family_name="Lefevre", email="ines@b.test")
    event = event_factories.event()
    _register(event, other)
    _register(event, survivor)
    _register(event_factories.event(), other)
    url = reverse("registry:person_merge", args=[survivor.pk, other.pk])
    page = animator_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "registrations: 2" in page
    response = animator_client.post(url, {}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "1 linked record stayed with the merged record" in response.content.decode()
    assert AuditLogEntry.objects.filter(action="registry.person.merged").count() == 1


def test_a_registration_with_a_merged_address_finds_the_survivor():
    survivor = factories.person(family_name="Lefèvre", email="ines@a.test")
    other = factories.person(family_name="Durand", email="ines@b.test")
    merge_people(actor=None, survivor=survivor, other=other, take_from_other={})
    registration = _register(event_factories.event(), other)
    assert registration.person_id == survivor.pk
