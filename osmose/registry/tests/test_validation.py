import pytest
from django.core.exceptions import ValidationError

from osmose.registry import validation


def test_it_accepts_valid_identifiers_in_their_canonical_form():
    assert validation.clean_siren("732 829 320") == "732829320"
    assert validation.clean_siret("732 829 320 00074") == "73282932000074"
    assert validation.clean_vat_number("fr 40 303265045") == "FR40303265045"
    assert validation.clean_orcid("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert validation.clean_ror("https://ror.org/05f82e368") == "05f82e368"
    assert validation.clean_rnsr("200919215a") == "200919215A"
    assert validation.clean_phone("02 47 36 60 00") == "+33247366000"
    assert validation.clean_email("Jean.Dupont@EXAMPLE.fr") == "Jean.Dupont@example.fr"
    assert validation.clean_postcode("1000") == "01000"
    assert validation.clean_website("example.org") == "https://example.org"


@pytest.mark.parametrize(
    ("cleaner", "value"),
    [
        (validation.clean_siren, "732829321"),
        (validation.clean_siret, "73282932000075"),
        (validation.clean_vat_number, "FR41303265045"),
        (validation.clean_orcid, "0000-0002-1825-0098"),
        (validation.clean_ror, "05f82e369"),
        (validation.clean_rnsr, "20091921"),
        (validation.clean_phone, "01 23"),
        (validation.clean_email, "jean.dupont@"),
        (validation.clean_website, "not a url"),
    ],
)
def test_it_refuses_wrong_check_digits_and_malformed_values(cleaner, value):
    with pytest.raises(ValidationError):
        cleaner(value)


def test_empty_values_stay_empty():
    for cleaner in (
        validation.clean_siren,
        validation.clean_siret,
        validation.clean_phone,
        validation.clean_email,
        validation.clean_orcid,
        validation.clean_ror,
    ):
        assert cleaner("") == ""


def test_a_person_is_found_by_e_mail_through_an_index(db):
    """The registration and import lookups by e-mail, whatever the case, do not scan people."""
    from django.db import connection

    from osmose.registry.models import Person

    query = Person.objects.filter(email__iexact="Ada@Example.test").values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # An empty table is cheapest to scan; ask whether the index *can* serve the query.
            cursor.execute("SET LOCAL enable_seqscan = off")
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(prefix + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "registry_person_email_ci" in plan, plan
