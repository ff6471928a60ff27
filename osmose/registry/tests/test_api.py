"""The registry API under /api/v1/: roles, filters shared with the directory, writes."""

from collections.abc import Sequence
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from osmose.accounts.models import User
from osmose.accounts.services import create_api_token
from osmose.core import geography
from osmose.core.models import AuditLogEntry, Commune, Departement, Region, Term, Vocabulary
from osmose.registry.directory import DirectoryQuery
from osmose.registry.models import Affiliation, Organisation, Person, Segment
from osmose.registry.services.organisations import create_organisation
from osmose.registry.services.people import add_affiliation, create_person
from osmose.registry.services.segments import save_segment

API = "/api/v1"
VALID_SIREN = "732829320"
OTHER_SIREN = "542051180"


@pytest.fixture(autouse=True)
def places(db, monkeypatch) -> None:
    """Two départements and a commune in each, so addresses resolve (no full geography load)."""
    region = Region.objects.create(code="24", name="Centre-Val de Loire")
    for dep, name, insee, postcode, town in (
        ("37", "Indre-et-Loire", "37261", "37000", "Tours"),
        ("45", "Loiret", "45234", "45000", "Orléans"),
    ):
        departement = Departement.objects.create(code=dep, name=name, region=region)
        Commune.objects.create(
            insee_code=insee,
            name=town,
            departement=departement,
            postcodes=[postcode],
            latitude=47.0,
            longitude=1.0,
        )
    # The commune index is cached per process: build it from these rows.
    monkeypatch.setattr(geography, "_index", None)


def bearer(user: User) -> dict[str, str]:
    _token, secret = create_api_token(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def organisation(actor: User, name: str, tags: Sequence[str] = (), **values: Any) -> Organisation:
    defaults = {"kind": "company", "sector": "private", "postcode": "37000", "city": "Tours"}
    return create_organisation(actor=actor, values={"name": name, **defaults, **values}, tags=tags)


def person(actor: User, given: str, family: str, **values: Any) -> Person:
    return create_person(actor=actor, values={"given_name": given, "family_name": family, **values})


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def api(client: Client, animator: User) -> Client:
    """The animator's API client (bearer token, so writes need no CSRF token)."""
    client.defaults.update(bearer(animator))
    return client


def bearer_client(user: User) -> Client:
    client = Client()
    client.defaults.update(bearer(user))
    return client


@pytest.fixture
def member_api(member: User) -> Client:
    return bearer_client(member)


@pytest.fixture
def funder_api(funder: User) -> Client:
    return bearer_client(funder)


@pytest.fixture
def own_record(animator: User, member: User) -> Person:
    record = person(animator, "Mia", "Member", email="mia@example.test", job_title="CSO")
    Person.objects.filter(pk=record.pk).update(user=member)
    record.refresh_from_db()
    return record


Call = tuple[str, str, dict[str, Any] | None]


def reads(org: Organisation, someone: Person) -> list[Call]:
    return [
        ("get", "/organisations", None),
        ("get", f"/organisations/{org.pk}", None),
        ("get", "/people", None),
        ("get", f"/people/{someone.pk}", None),
        ("get", f"/people/{someone.pk}/affiliations", None),
        ("get", "/segments", None),
        ("get", "/segments/startups/organisations", None),
        ("get", "/segments/contacts/people", None),
    ]


def writes(org: Organisation, someone: Person, affiliation: Affiliation) -> list[Call]:
    """One valid request per write endpoint: a refusal cannot come from validation."""
    return [
        ("post", "/organisations", {"name": "New", "kind": "startup", "sector": "private"}),
        ("patch", f"/organisations/{org.pk}", {"name": "Renamed"}),
        ("post", "/people", {"family_name": "Newcomer"}),
        ("patch", f"/people/{someone.pk}", {"job_title": "Boss"}),
        ("post", f"/people/{someone.pk}/affiliations", {"organisation": org.pk}),
        ("post", f"/affiliations/{affiliation.pk}/end", {}),
        ("post", "/segments", {"name": "Mine", "target": "people"}),
        ("delete", "/segments/startups", None),
    ]


def call(client: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    if body is not None:
        return getattr(client, method)(API + path, body, content_type="application/json")
    return getattr(client, method)(API + path)


@pytest.fixture
def records(animator: User) -> tuple[Organisation, Person, Affiliation]:
    org = organisation(animator, "Biotech Tours", public_fields=["website"])
    someone = person(animator, "Ada", "Lovelace", public_fields=["job_title"])
    affiliation = add_affiliation(actor=animator, person=someone, organisation=org)
    save_segment(actor=animator, name="Startups", target="organisations", query={})
    save_segment(actor=animator, name="Contacts", target="people", query={})
    return org, someone, affiliation


def assert_nothing_written(org: Organisation, someone: Person, affiliation: Affiliation) -> None:
    org.refresh_from_db()
    someone.refresh_from_db()
    affiliation.refresh_from_db()
    assert (org.name, someone.job_title, affiliation.ended_on) == ("Biotech Tours", "", None)
    assert Organisation.objects.count() == 1 and Person.objects.count() == 1
    assert list(Segment.objects.values_list("slug", flat=True)) == ["contacts", "startups"]


# --- Who may call what ------------------------------------------------------------------------


def test_it_requires_authentication_on_every_endpoint(outsider_client, records):
    org, someone, _affiliation = records
    taxonomy: Call = ("get", "/taxonomy", None)
    for method, path, body in [*reads(org, someone), *writes(*records), taxonomy]:
        assert call(outsider_client, method, path, body).status_code == 401, (method, path)
    assert_nothing_written(*records)


def test_it_refuses_registry_records_to_funders(funder_api, records):
    org, someone, _affiliation = records
    for method, path, body in [*reads(org, someone), *writes(*records)]:
        assert call(funder_api, method, path, body).status_code == 403, (method, path)
    assert call(funder_api, "get", "/taxonomy", None).status_code == 200
    assert_nothing_written(*records)


def test_it_refuses_every_write_to_members(member_api, records):
    for method, path, body in writes(*records):
        assert call(member_api, method, path, body).status_code == 403, (method, path)
    assert_nothing_written(*records)


def test_it_lets_animators_call_every_endpoint(api, records):
    org, someone, _affiliation = records
    for method, path, body in reads(org, someone):
        assert call(api, method, path, body).status_code == 200, (method, path)
    expected = [201, 200, 201, 200, 201, 200, 201, 204]
    for (method, path, body), status in zip(writes(*records), expected, strict=True):
        response = call(api, method, path, body)
        assert response.status_code == status, (method, path, response.content)


def test_it_reads_with_the_session_of_a_signed_in_member(member_client, records):
    org, _someone, _affiliation = records
    assert ids(member_client.get(f"{API}/organisations")) == [org.pk]


# --- Organisations: animators -----------------------------------------------------------------


def test_it_lists_organisations_in_full_for_animators(api, animator):
    term = Term.objects.create(
        vocabulary=Vocabulary.objects.create(slug="modalities", name_fr="M", name_en="M"),
        slug="vaccines",
        name_fr="Vaccins",
        name_en="Vaccines",
    )
    org = create_organisation(
        actor=animator,
        values={
            "name": "Vaxi", "kind": "startup", "sector": "private", "siren": VALID_SIREN,
            "postcode": "37000", "city": "Tours", "is_jei": True, "website": "vaxi.fr",
        },
        terms=[term],
        tags=["prospect"],
    )  # fmt: skip
    item = api.get(f"{API}/organisations").json()["items"][0]
    assert item["view"] == "full"
    assert item["id"] == org.pk
    assert item["siren"] == VALID_SIREN
    assert item["departement"] == "37"
    assert item["is_jei"] is True
    assert item["website"] == "https://vaxi.fr"
    assert item["terms"] == [term.pk]
    assert item["tags"] == ["prospect"]
    assert item["latitude"] == 47.0
    assert api.get(f"{API}/organisations/{org.pk}").json() == item


def test_it_filters_organisations_like_the_directory(api, animator):
    startup_tours = organisation(animator, "Alpha", kind="startup")
    organisation(animator, "Beta", kind="company")
    organisation(animator, "Gamma", kind="startup", postcode="45000", city="Orléans")
    startup_public = organisation(animator, "Delta", kind="startup", sector="public")
    assert ids(api.get(f"{API}/organisations?kind=startup&dep=37")) == [
        startup_tours.pk,
        startup_public.pk,
    ]
    assert ids(api.get(f"{API}/organisations?kind=startup&dep=37&sector=public")) == [
        startup_public.pk
    ]
    # The directory, given the same URL, selects the same records.
    params = {"kind": ["startup"], "dep": ["37"]}
    directory = DirectoryQuery.from_params("organisations", params).results()
    assert ids(api.get(f"{API}/organisations?kind=startup&dep=37")) == [o.pk for o in directory]
    assert ids(api.get(f"{API}/organisations?dep=45&dep=37&kind=company")) == [
        Organisation.objects.get(name="Beta").pk
    ]


def test_it_refuses_an_unknown_facet_value(api):
    response = api.get(f"{API}/organisations?kind=spaceship")
    assert response.status_code == 422
    assert "kind" in response.json()["detail"][0]["loc"]


def test_it_searches_organisations_in_full_text_with_typos(api, animator):
    sanofi = organisation(animator, "Sanofi Pasteur", description_fr="Vaccins et bioproduction")
    organisation(animator, "Recipharm")
    assert ids(api.get(f"{API}/organisations?q=sanofy")) == [sanofi.pk]
    assert ids(api.get(f"{API}/organisations?q=bioproduction")) == [sanofi.pk]


def test_it_paginates_in_a_stable_order(api, animator):
    for index in range(7):
        organisation(animator, "Same name", siren="", street=f"{index} rue")
    first = ids(api.get(f"{API}/organisations?page_size=3"))
    second = ids(api.get(f"{API}/organisations?page_size=3&page=2"))
    third = api.get(f"{API}/organisations?page_size=3&page=3").json()
    assert third["count"] == 7
    every = first + second + [item["id"] for item in third["items"]]
    assert every == sorted(Organisation.objects.values_list("pk", flat=True))
    assert len(ids(api.get(f"{API}/organisations?page_size=1000"))) == 7


def test_it_lists_organisations_without_a_query_per_row(
    api, animator, django_assert_max_num_queries
):
    vocabulary = Vocabulary.objects.create(slug="modalities", name_fr="M", name_en="M")
    terms = [
        Term.objects.create(vocabulary=vocabulary, slug=f"t{i}", name_fr=f"T{i}", name_en="")
        for i in range(3)
    ]
    for index in range(30):
        create_organisation(
            actor=animator,
            values={"name": f"Org {index}", "kind": "company", "sector": "private",
                    "postcode": "37000", "city": "Tours"},
            terms=terms,
            tags=[f"tag {index % 4}"],
            reindex=False,
        )  # fmt: skip
    api.get(f"{API}/organisations")  # the token's first use writes last_used_at
    # Token (1) and throttle (6), then count, page, terms and tags: none per organisation.
    with django_assert_max_num_queries(11):
        response = api.get(f"{API}/organisations")
    assert len(response.json()["items"]) == 30


def test_it_creates_an_organisation(api, animator):
    response = api.post(
        f"{API}/organisations",
        {"name": "Newco", "kind": "startup", "sector": "private", "siren": "732 829 320",
         "postcode": "37000", "city": "Tours", "tags": ["seed"], "public_fields": ["website"]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    created = Organisation.objects.get(pk=response.json()["id"])
    assert created.departement is not None
    assert (created.name, created.siren, created.departement.code) == ("Newco", VALID_SIREN, "37")
    assert created.public_fields == ["website"]
    assert list(created.tags.values_list("name", flat=True)) == ["seed"]
    assert AuditLogEntry.objects.filter(
        action="registry.organisation.created", actor=animator
    ).exists()


def test_it_names_the_invalid_field_when_a_siren_is_wrong(api):
    response = api.post(
        f"{API}/organisations",
        {"name": "Badco", "kind": "company", "sector": "private", "siren": "123456789"},
        content_type="application/json",
    )
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert [error["loc"][-1] for error in errors] == ["siren"]
    assert "SIREN" in errors[0]["msg"]
    assert not Organisation.objects.exists()


def test_it_refuses_unknown_fields_and_terms(api):
    body = {"name": "X", "kind": "company", "sector": "private"}
    response = api.post(
        f"{API}/organisations", {**body, "source": "api"}, content_type="application/json"
    )
    assert response.status_code == 422
    response = api.post(
        f"{API}/organisations", {**body, "terms": [999]}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "terms"
    response = api.post(
        f"{API}/organisations",
        {**body, "public_fields": ["siren"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not Organisation.objects.exists()


def test_it_returns_possible_duplicates_then_creates_when_forced(api, animator):
    existing = organisation(animator, "Biotech Val de Loire", siren=VALID_SIREN)
    body = {"name": "BioTech Val-de-Loire", "kind": "company", "sector": "private",
            "siren": VALID_SIREN}  # fmt: skip
    response = api.post(f"{API}/organisations", body, content_type="application/json")
    assert response.status_code == 409
    candidates = response.json()["candidates"]
    assert [c["id"] for c in candidates] == [existing.pk]
    assert candidates[0]["name"] == "Biotech Val de Loire"
    assert "same_siren" in candidates[0]["reasons"]
    assert Organisation.objects.count() == 1
    response = api.post(
        f"{API}/organisations", {**body, "force": True}, content_type="application/json"
    )
    assert response.status_code == 201
    assert Organisation.objects.count() == 2


def test_it_updates_an_organisation(api, animator):
    org = organisation(animator, "Oldname", tags=["a"])
    vocabulary = Vocabulary.objects.create(slug="services", name_fr="S", name_en="S")
    term = Term.objects.create(
        vocabulary=vocabulary, slug="fill", name_fr="Remplissage", name_en=""
    )
    response = api.patch(
        f"{API}/organisations/{org.pk}",
        {"name": "Newname", "terms": [term.pk], "tags": ["b"], "postcode": "45000",
         "city": "Orléans", "headcount": "10-49"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["departement"] == "45"
    org.refresh_from_db()
    assert org.departement is not None
    assert (org.name, org.departement.code, org.headcount) == ("Newname", "45", "10-49")
    assert list(org.terms.all()) == [term]
    assert list(org.tags.values_list("name", flat=True)) == ["b"]
    assert org.acronym == ""  # a field left out keeps its value


def test_it_names_the_field_of_an_invalid_update(api, animator):
    org = organisation(animator, "Keepname")
    for body, field in (({"name": None}, "name"), ({"siret": "1"}, "siret")):
        response = api.patch(f"{API}/organisations/{org.pk}", body, content_type="application/json")
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"][-1] == field
    org.refresh_from_db()
    assert org.name == "Keepname"
    assert (
        api.patch(f"{API}/organisations/999999", {}, content_type="application/json").status_code
        == 404
    )


# --- Members: the public view and their own record --------------------------------------------


def test_it_shows_members_public_organisations_and_their_published_fields(member_api, animator):
    org = organisation(
        animator, "Open Lab", website="openlab.fr", description_fr="Secret plans",
        siren=VALID_SIREN, public_fields=["website"], tags=["hot lead"],
    )  # fmt: skip
    closed = organisation(animator, "Closed Co", status="closed", public_fields=["website"])
    response = member_api.get(f"{API}/organisations")
    assert ids(response) == [org.pk]
    item = response.json()["items"][0]
    assert item["view"] == "public"
    assert (item["name"], item["city"], item["departement"]) == ("Open Lab", "Tours", "37")
    assert item["website"] == "https://openlab.fr"
    assert item["description_fr"] is None and item["street"] is None
    assert "siren" not in item and "tags" not in item
    assert member_api.get(f"{API}/organisations/{org.pk}").json() == item
    assert member_api.get(f"{API}/organisations/{closed.pk}").status_code == 404


def test_it_refuses_member_filters_that_would_reveal_unpublished_fields(member_api, animator):
    org = organisation(animator, "Open Lab", kind="startup", description_fr="bioproduction")
    assert ids(member_api.get(f"{API}/organisations?kind=startup&dep=37")) == [org.pk]
    # Members search names only: a description they may not see does not match.
    assert ids(member_api.get(f"{API}/organisations?q=open")) == [org.pk]
    assert ids(member_api.get(f"{API}/organisations?q=bioproduction")) == []
    for query in ("headcount=1-9", "jei=yes", "fresh=stale", "term=1", "sort=verified"):
        assert member_api.get(f"{API}/organisations?{query}").status_code == 403, query
    assert member_api.get(f"{API}/people?contact=expired").status_code == 403


def test_it_shows_members_public_people_and_their_own_record_in_full(
    member_api, animator, own_record
):
    org = organisation(animator, "Open Lab")
    public = person(
        animator, "Paula", "Public", email="paula@example.test", phone="+33247000000",
        job_title="CEO", public_fields=["job_title", "organisation"],
    )  # fmt: skip
    add_affiliation(actor=animator, person=public, organisation=org)
    person(animator, "Harry", "Hidden", email="harry@example.test")
    response = member_api.get(f"{API}/people")
    assert ids(response) == [own_record.pk, public.pk]  # sorted by family name
    mine, theirs = response.json()["items"]
    assert mine["view"] == "full"
    assert mine["email"] == "mia@example.test"
    assert theirs["view"] == "public"
    assert theirs["job_title"] == "CEO"
    assert theirs["primary_organisation"] == {"id": org.pk, "name": "Open Lab"}
    assert theirs["email"] is None and theirs["phone"] is None
    assert member_api.get(f"{API}/people/{public.pk}").json() == theirs
    assert member_api.get(f"{API}/people/{own_record.pk}").json() == mine
    hidden = Person.objects.get(family_name="Hidden")
    assert member_api.get(f"{API}/people/{hidden.pk}").status_code == 404
    assert ids(member_api.get(f"{API}/people?q=paula")) == [public.pk]
    assert ids(member_api.get(f"{API}/people?q=harry")) == []


def test_it_lets_a_member_patch_their_own_record(member_api, own_record, member):
    response = member_api.patch(
        f"{API}/people/{own_record.pk}",
        {"job_title": "Chief Scientist", "public_fields": ["job_title"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    own_record.refresh_from_db()
    assert own_record.job_title == "Chief Scientist"
    assert own_record.public_fields == ["job_title"]
    assert AuditLogEntry.objects.filter(action="registry.person.updated", actor=member).exists()
    # Neither provenance nor an account's role is a field of the record.
    for body in ({"source": "me"}, {"role": "animator"}, {"last_contact_at": None}):
        response = member_api.patch(
            f"{API}/people/{own_record.pk}", body, content_type="application/json"
        )
        assert response.status_code == 422, body
    own_record.refresh_from_db()
    member.refresh_from_db()
    assert (own_record.source, member.role) == ("manual", "member")


def test_it_refuses_a_member_patch_of_someone_else(member_api, animator, own_record):
    public = person(animator, "Paula", "Public", job_title="CEO", public_fields=["job_title"])
    response = member_api.patch(
        f"{API}/people/{public.pk}", {"job_title": "Intern"}, content_type="application/json"
    )
    assert response.status_code == 403
    public.refresh_from_db()
    assert public.job_title == "CEO"


# --- People: animators ------------------------------------------------------------------------


def test_it_filters_people_like_the_directory(api, animator):
    startup = organisation(animator, "Alpha", kind="startup")
    lab = organisation(
        animator, "Lab", kind="academic_lab", sector="public", postcode="45000", city="Orléans"
    )
    founder = person(animator, "Fanny", "Founder")
    researcher = person(animator, "Rémi", "Researcher", job_title="Virologist")
    add_affiliation(actor=animator, person=founder, organisation=startup)
    add_affiliation(actor=animator, person=researcher, organisation=lab)
    assert ids(api.get(f"{API}/people?kind=startup&dep=37")) == [founder.pk]
    assert ids(api.get(f"{API}/people?sector=public")) == [researcher.pk]
    assert ids(api.get(f"{API}/people?q=virologst")) == [researcher.pk]
    assert ids(api.get(f"{API}/people?contact=expired")) == [founder.pk, researcher.pk]


def test_it_lists_people_without_a_query_per_row(api, animator, django_assert_max_num_queries):
    org = organisation(animator, "Alpha")
    vocabulary = Vocabulary.objects.create(slug="expertise", name_fr="E", name_en="E")
    term = Term.objects.create(vocabulary=vocabulary, slug="cmc", name_fr="CMC", name_en="CMC")
    for index in range(25):
        someone = create_person(
            actor=animator,
            values={"given_name": f"P{index}", "family_name": f"Person {index}"},
            expertise=[term],
            reindex=False,
        )
        add_affiliation(actor=animator, person=someone, organisation=org, reindex=False)
    api.get(f"{API}/people")
    # Token (1) and throttle (6), then count, page and expertise: none per person.
    with django_assert_max_num_queries(10):
        response = api.get(f"{API}/people")
    items = response.json()["items"]
    assert len(items) == 25
    assert items[0]["primary_organisation"] == {"id": org.pk, "name": "Alpha"}
    assert items[0]["expertise"] == [term.pk]


def test_it_creates_a_person_and_warns_of_a_duplicate(api, animator):
    existing = person(animator, "Marie", "Curie", email="marie.curie@example.test")
    body = {"given_name": "Marie", "family_name": "Curie", "email": "Marie.Curie@example.test"}
    response = api.post(f"{API}/people", body, content_type="application/json")
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [existing.pk]
    response = api.post(f"{API}/people", {**body, "force": True}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["given_name"] == "Marie"
    assert Person.objects.count() == 2
    response = api.post(
        f"{API}/people",
        {"family_name": "Nobody", "email": "not-an-email"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "email"


def test_it_updates_a_person_for_an_animator(api, animator):
    someone = person(animator, "Ada", "Lovelace")
    response = api.patch(
        f"{API}/people/{someone.pk}",
        {"other_emails": ["ada@example.test"], "job_title": "Analyst"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    someone.refresh_from_db()
    assert (someone.other_emails, someone.job_title) == (["ada@example.test"], "Analyst")


def test_a_patch_that_makes_a_duplicate_is_flagged_then_forced(api, animator):
    existing = person(animator, "Marie", "Curie", email="marie.curie@example.test")
    other = person(animator, "Pierre", "Curie", email="pierre@example.test")
    url = f"{API}/people/{other.pk}"
    body = {"given_name": "Marie", "email": "Marie.Curie@example.test"}
    response = api.patch(url, body, content_type="application/json")
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [existing.pk]
    other.refresh_from_db()
    assert other.given_name == "Pierre"
    # A change that touches no identity field is not checked; the record stays itself.
    assert (
        api.patch(url, {"job_title": "Physicist"}, content_type="application/json").status_code
        == 200
    )
    response = api.patch(url, {**body, "force": True}, content_type="application/json")
    assert response.status_code == 200, response.content
    other.refresh_from_db()
    assert other.given_name == "Marie"

    org = organisation(animator, "Biotech Val de Loire", siren=VALID_SIREN)
    renamed = organisation(animator, "Autre Société", siren=OTHER_SIREN)
    response = api.patch(
        f"{API}/organisations/{renamed.pk}",
        {"name": "BioTech Val-de-Loire"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [org.pk]
    response = api.patch(
        f"{API}/organisations/{renamed.pk}",
        {"name": "BioTech Val-de-Loire", "force": True},
        content_type="application/json",
    )
    assert response.status_code == 200


# --- Affiliations -----------------------------------------------------------------------------


def test_it_adds_lists_and_ends_affiliations(api, animator):
    first = organisation(animator, "First")
    second = organisation(animator, "Second")
    someone = person(animator, "Ada", "Lovelace")
    url = f"{API}/people/{someone.pk}/affiliations"
    response = api.post(
        url, {"organisation": first.pk, "role": "CTO"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_primary"] is True
    api.post(url, {"organisation": second.pk}, content_type="application/json")
    someone.refresh_from_db()
    assert someone.primary_organisation == first
    affiliation_id = response.json()["id"]
    # No body: the affiliation ends today.
    response = api.post(f"{API}/affiliations/{affiliation_id}/end", content_type="application/json")
    assert response.status_code == 200
    assert response.json()["ended_on"] == timezone.localdate().isoformat()
    someone.refresh_from_db()
    assert someone.primary_organisation == second  # the next current one became primary
    listed = api.get(url).json()["items"]
    assert [(a["organisation"]["name"], a["ended_on"] is None) for a in listed] == [
        ("Second", True),
        ("First", False),
    ]
    response = api.post(
        f"{API}/affiliations/{affiliation_id}/end", {}, content_type="application/json"
    )
    assert response.status_code == 409
    response = api.post(url, {"organisation": 999999}, content_type="application/json")
    assert response.status_code == 422


def test_it_shows_a_member_their_own_affiliations_only(member_api, animator, own_record):
    org = organisation(animator, "Open Lab")
    add_affiliation(actor=animator, person=own_record, organisation=org)
    other = person(animator, "Paula", "Public", public_fields=["organisation"])
    add_affiliation(actor=animator, person=other, organisation=org)
    response = member_api.get(f"{API}/people/{own_record.pk}/affiliations")
    assert [a["organisation"]["id"] for a in response.json()["items"]] == [org.pk]
    assert member_api.get(f"{API}/people/{other.pk}/affiliations").status_code == 403


# --- Taxonomy ---------------------------------------------------------------------------------


def test_it_returns_the_taxonomy_nested_to_every_signed_in_user(api, member_api, funder_api):
    vocabulary = Vocabulary.objects.create(
        slug="modalities", name_fr="Modalités", name_en="Modalities"
    )
    parent = Term.objects.create(
        vocabulary=vocabulary, slug="bio", name_fr="Biologiques", name_en="Biologics"
    )
    child = Term.objects.create(
        vocabulary=vocabulary, parent=parent, slug="mab", name_fr="Anticorps", name_en="Antibodies"
    )
    expected = [
        {
            "id": vocabulary.pk, "slug": "modalities", "name_fr": "Modalités",
            "name_en": "Modalities",
            "terms": [{
                "id": parent.pk, "slug": "bio", "name_fr": "Biologiques", "name_en": "Biologics",
                "children": [{"id": child.pk, "slug": "mab", "name_fr": "Anticorps",
                              "name_en": "Antibodies", "children": []}],
            }],
        }
    ]  # fmt: skip
    for client in (api, member_api, funder_api):
        response = client.get(f"{API}/taxonomy")
        assert response.status_code == 200
        assert response.json() == expected


# --- Segments ---------------------------------------------------------------------------------


def test_it_saves_lists_runs_and_deletes_segments(api, animator):
    startup = organisation(animator, "Alpha", kind="startup")
    organisation(animator, "Beta", kind="startup", postcode="45000", city="Orléans")
    response = api.post(
        f"{API}/segments",
        {"name": "Startups in 37", "target": "organisations",
         "query": {"kind": ["startup"], "dep": "37"}},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    slug = response.json()["slug"]
    assert slug == "startups-in-37"
    assert Segment.objects.get(slug=slug).query == {"kind": ["startup"], "dep": ["37"]}
    assert [s["slug"] for s in api.get(f"{API}/segments").json()["items"]] == [slug]
    assert ids(api.get(f"{API}/segments/{slug}/organisations")) == [startup.pk]
    later = organisation(animator, "Gamma", kind="startup")  # the segment stays live
    assert ids(api.get(f"{API}/segments/{slug}/organisations")) == [startup.pk, later.pk]
    assert ids(api.get(f"{API}/organisations?segment={slug}")) == [startup.pk, later.pk]
    assert api.get(f"{API}/segments/{slug}/people").status_code == 404
    response = api.post(
        f"{API}/segments",
        {"name": "Startups in 37", "target": "organisations", "query": {"planet": "mars"}},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert api.delete(f"{API}/segments/{slug}").status_code == 204
    assert not Segment.objects.exists()
    assert api.delete(f"{API}/segments/{slug}").status_code == 404


def test_it_refuses_segments_to_members(member_api, animator):
    save_segment(actor=animator, name="All", target="people", query={})
    assert member_api.get(f"{API}/segments").status_code == 403
    assert member_api.get(f"{API}/segments/all/people").status_code == 403
    assert member_api.get(f"{API}/people?segment=all").status_code == 403


# --- Schema -----------------------------------------------------------------------------------


def test_it_publishes_the_new_paths_in_the_openapi_schema(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/api/v1/organisations", "/api/v1/organisations/{organisation_id}", "/api/v1/people",
        "/api/v1/people/{person_id}", "/api/v1/people/{person_id}/affiliations",
        "/api/v1/affiliations/{affiliation_id}/end", "/api/v1/taxonomy", "/api/v1/segments",
        "/api/v1/segments/{slug}/organisations", "/api/v1/segments/{slug}/people",
        "/api/v1/segments/{slug}",
    ):  # fmt: skip
        assert path in paths, path
    assert set(paths["/api/v1/organisations"]) == {"get", "post"}
    parameters = {p["name"] for p in paths["/api/v1/organisations"]["get"]["parameters"]}
    assert {"q", "kind", "dep", "term", "page", "page_size", "segment"} <= parameters
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    assert {"PagedOrganisationItem", "PagedPersonItem", "OrganisationIn", "PersonPatch"} <= set(
        schemas
    )
