import csv
import io

import pytest
import vobject
from django.urls import reverse
from openpyxl import load_workbook

from osmose.core import geography as geography_module
from osmose.core.geography import load_geography
from osmose.core.models import Commune, Departement, Region
from osmose.registry.models import Segment
from osmose.registry.tests import factories


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker):
    """The real communes, loaded once for the module and removed after it."""
    with django_db_blocker.unblock():
        load_geography()
    yield
    with django_db_blocker.unblock():
        Commune.objects.all().delete()
        Departement.objects.all().delete()
        Region.objects.all().delete()
    geography_module._index = None  # the process-wide commune index would point at them


@pytest.fixture
def ecosystem(db):
    factories.organisation(name="BioProd Tours", kind="startup", postcode="37000", city="Tours")
    factories.organisation(name="Vaccins Orléans", kind="company", postcode="45000", city="Orléans")
    factories.organisation(
        name="Labo Glyco", kind="academic_lab", sector="public", postcode="37000", city="Tours"
    )
    factories.organisation(
        name='=HYPERLINK("http://evil.example")', kind="startup", postcode="18000", city="Bourges"
    )


def _facet(response, param):
    return {
        item.value: (item.count, item.selected)
        for facet, items in response.context["facets"]
        if facet.param == param
        for item in items
    }


def test_the_directory_is_for_animators(
    animator_client, member_client, funder_client, outsider_client
):
    url = reverse("registry:organisations")
    assert animator_client.get(url).status_code == 200
    assert member_client.get(url).status_code == 403
    assert funder_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 302


def test_facets_combine_and_count_the_other_filters(animator_client, ecosystem):
    response = animator_client.get(reverse("registry:organisations"), {"kind": "startup"})
    assert response.context["page"].paginator.count == 2
    kinds = _facet(response, "kind")
    # Counts of a facet ignore its own filter, so the other kinds stay offered.
    assert kinds["startup"] == (2, True)
    assert kinds["company"] == (1, False)
    assert kinds["academic_lab"] == (1, False)
    sectors = _facet(response, "sector")
    assert sectors == {"private": (2, False)}

    both = animator_client.get(reverse("registry:organisations"), {"kind": ["startup", "company"]})
    assert both.context["page"].paginator.count == 3


def test_facet_counts_follow_every_change_of_the_registry(animator_client, animator, ecosystem):
    from osmose.registry.services.merge import merge_organisations

    url = reverse("registry:organisations")
    assert _facet(animator_client.get(url), "kind")["startup"] == (2, False)
    created = factories.organisation(name="NanoVax", kind="startup")
    assert _facet(animator_client.get(url), "kind")["startup"] == (3, False)
    other = factories.organisation(name="Nanovax SAS", kind="startup")
    merge_organisations(actor=animator, survivor=created, other=other, take_from_other={})
    assert _facet(animator_client.get(url), "kind")["startup"] == (3, False)


def test_a_search_and_a_facet_narrow_each_other(animator_client, ecosystem):
    response = animator_client.get(
        reverse("registry:organisations"), {"q": "tours", "kind": "academic_lab"}
    )
    assert [o.name for o in response.context["page"]] == ["Labo Glyco"]


def test_the_htmx_request_gets_only_the_results(animator_client, ecosystem):
    response = animator_client.get(
        reverse("registry:organisations"), {"q": "bioprod"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert "BioProd Tours" in page
    assert "<html" not in page
    assert 'id="segment-save"' in page and "hx-swap-oob" in page


def test_a_segment_stays_live(animator_client, animator, ecosystem):
    response = animator_client.post(
        reverse("registry:segment_save", args=["organisations"]),
        {"name": "Startups", "kind": "startup"},
    )
    segment = Segment.objects.get(name="Startups")
    assert response["Location"].endswith(f"?segment={segment.slug}")
    assert segment.query == {"kind": ["startup"]}
    first = animator_client.get(reverse("registry:organisations"), {"segment": segment.slug})
    assert first.context["page"].paginator.count == 2
    factories.organisation(name="Nouvelle startup", kind="startup")
    again = animator_client.get(reverse("registry:organisations"), {"segment": segment.slug})
    assert again.context["page"].paginator.count == 3


def test_csv_export_neutralises_formulas_and_keeps_accents(animator_client, ecosystem):
    response = animator_client.get(
        reverse("registry:export", args=["organisations", "csv"]), {"kind": "startup"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="osmose-organisations.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    names = {row["name"] for row in rows}
    assert names == {"BioProd Tours", '\'=HYPERLINK("http://evil.example")'}


def test_xlsx_export_opens_in_a_spreadsheet_without_formulas(animator_client, ecosystem):
    response = animator_client.get(reverse("registry:export", args=["organisations", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    names = [row[header.index("name")] for row in body]
    assert "Vaccins Orléans" in names
    assert all(not str(name).startswith("=") for name in names)
    assert len(body) == 4


def test_people_export_as_vcards(animator_client, db):
    lab = factories.organisation(name="Labo Glyco", kind="academic_lab", sector="public")
    factories.person(
        given_name="Inès",
        family_name="Lefèvre",
        email="ines@glyco.example",
        phone="02 47 00 00 00",
        job_title="Chercheuse",
        organisation=lab,
    )
    response = animator_client.get(reverse("registry:export", args=["people", "vcf"]))
    cards = list(vobject.readComponents(b"".join(response.streaming_content).decode()))
    assert len(cards) == 1
    card = cards[0]
    assert card.fn.value == "Inès Lefèvre"
    assert card.org.value == ["Labo Glyco"]
    assert card.email.value == "ines@glyco.example"
    assert card.tel.value == "+33247000000"


def test_exports_are_for_animators(member_client, outsider_client, ecosystem):
    url = reverse("registry:export", args=["organisations", "csv"])
    assert member_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 302


def test_the_departement_facet_comes_from_the_address(animator_client, geography, ecosystem):
    response = animator_client.get(reverse("registry:organisations"), {"dep": "37"})
    assert {o.name for o in response.context["page"]} == {"BioProd Tours", "Labo Glyco"}


def test_the_directory_query_count_does_not_grow_with_rows(
    animator_client, ecosystem, django_assert_max_num_queries
):
    for index in range(30):
        factories.organisation(name=f"Entreprise {index}")
    with django_assert_max_num_queries(30):
        animator_client.get(reverse("registry:organisations"), {"q": "entreprise"})
    with django_assert_max_num_queries(30):
        animator_client.get(reverse("registry:people"))
