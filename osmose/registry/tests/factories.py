"""Registry records for tests, created through the services (so they are indexed)."""

from itertools import count
from typing import Any

from osmose.registry.models import Organisation, Person
from osmose.registry.services.organisations import create_organisation
from osmose.registry.services.people import add_affiliation, create_person

_sequence = count(1)


def organisation(**values: Any) -> Organisation:
    terms = values.pop("terms", ())
    values.setdefault("name", f"Organisation {next(_sequence)}")
    values.setdefault("kind", "company")
    values.setdefault("sector", "private")
    return create_organisation(actor=None, values=values, terms=terms)


def person(*, organisation: Organisation | None = None, **values: Any) -> Person:
    values.setdefault("given_name", "Camille")
    values.setdefault("family_name", f"Durand{next(_sequence)}")
    created = create_person(actor=None, values=values)
    if organisation is not None:
        add_affiliation(actor=None, person=created, organisation=organisation)
        created.refresh_from_db()
    return created
