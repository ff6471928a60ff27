"""The directory's search box: accents, case and typos do not matter (SQLite and PostgreSQL)."""

from osmose.registry.directory import DirectoryQuery
from osmose.registry.tests import factories


def _names(target, text):
    return {
        o.name if target == "organisations" else o.family_name
        for o in DirectoryQuery.from_params(target, {"q": text}).results()
    }


def test_it_finds_accented_words_typed_without_accents(db):
    factories.organisation(name="Vecteurs Loire", description_fr="Thérapie génique et AAV")
    factories.organisation(name="Chimie fine du Cher", description_fr="Synthèse peptidique")
    assert _names("organisations", "therapie genique") == {"Vecteurs Loire"}
    assert _names("organisations", "THÉRAPIE") == {"Vecteurs Loire"}


def test_it_forgives_a_typo(db):
    factories.organisation(name="Sanofi Tours")
    factories.organisation(name="Sandoz Orléans")
    assert _names("organisations", "sanofy") == {"Sanofi Tours"}


def test_every_word_must_match_as_a_prefix(db):
    factories.organisation(name="BioProcédés Loire", city="Tours", postcode="37000")
    factories.organisation(name="BioProcédés Cher", city="Bourges", postcode="18000")
    assert _names("organisations", "bioproc tours") == {"BioProcédés Loire"}
    assert _names("organisations", "bio") == {"BioProcédés Loire", "BioProcédés Cher"}


def test_it_searches_identifiers_and_people_by_organisation(db):
    lab = factories.organisation(
        name="Unité de glycobiologie", kind="academic_lab", sector="public", siren="732829320"
    )
    factories.person(family_name="Lefèvre", email="a.lefevre@glyco.example", organisation=lab)
    factories.person(family_name="Martin")
    assert _names("organisations", "732829320") == {"Unité de glycobiologie"}
    assert _names("people", "glycobiologie") == {"Lefèvre"}
    assert _names("people", "lefevre") == {"Lefèvre"}
    assert _names("people", "a.lefevre@glyco.example") == {"Lefèvre"}


def test_an_edit_is_searchable_at_once(db):
    from osmose.registry.services.organisations import update_organisation

    organisation = factories.organisation(name="Ancien nom")
    update_organisation(actor=None, organisation=organisation, values={"name": "Nouveau nom"})
    assert _names("organisations", "nouveau") == {"Nouveau nom"}
    assert _names("organisations", "ancien") == set()


def test_a_query_that_is_only_punctuation_lists_everything(db):
    factories.organisation(name="Alpha")
    assert _names("organisations", "!!! ''") == {"Alpha"}


def test_people_facets_follow_their_organisation(db):
    from osmose.registry.services.organisations import update_organisation
    from osmose.registry.services.people import end_affiliation

    lab = factories.organisation(name="Labo", kind="academic_lab", sector="public")
    company = factories.organisation(name="Entreprise", kind="company")
    person = factories.person(family_name="Durand", organisation=lab)
    factories.person(family_name="Autre", organisation=company)

    def kinds(kind):
        query = DirectoryQuery.from_params("people", {"kind": [kind]})
        return {p.family_name for p in query.results()}

    assert kinds("academic_lab") == {"Durand"}
    update_organisation(actor=None, organisation=lab, values={"kind": "platform"})
    assert kinds("academic_lab") == set()
    assert kinds("platform") == {"Durand"}
    end_affiliation(actor=None, affiliation=person.affiliations.get())
    assert kinds("platform") == set()
