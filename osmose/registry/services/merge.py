"""Merge two organisations or two people, field by field, and undo a merge from its audit entry.

The merged record is not deleted: it is marked ``merged_into`` the survivor, everything linked
to it moves to the survivor, and the audit entry keeps what is needed to move it all back.
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from osmose.core.audit import log_action
from osmose.core.models import AuditLogEntry
from osmose.registry.models import (
    Affiliation,
    ConsentRecord,
    Organisation,
    OrganisationExternalId,
    OrganisationRelation,
    OrganisationStatus,
    Person,
    PersonExternalId,
    Site,
)
from osmose.registry.services import organisations as organisation_services
from osmose.registry.services import people as people_services
from osmose.registry.services.indexing import reindex_organisations, reindex_people
from osmose.registry.services.linked import move_linked, restore_linked

ORGANISATION_MERGE_FIELDS = [
    f for f in organisation_services.EDITABLE_FIELDS if f not in ("status", "public_fields")
]
PERSON_MERGE_FIELDS = [f for f in people_services.EDITABLE_FIELDS if f != "public_fields"]


class MergeError(ValidationError):
    pass


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _parse(model: Any, field: str, value: Any) -> Any:
    if value and model._meta.get_field(field).get_internal_type() == "DateField":
        return date.fromisoformat(value)
    return value


@transaction.atomic
def merge_organisations(
    *, actor: Any, survivor: Organisation, other: Organisation, take_from_other: Mapping[str, bool]
) -> AuditLogEntry:
    """Merge ``other`` into ``survivor``; ``take_from_other[field]`` picks the other's value."""
    survivor = Organisation.objects.select_for_update().get(pk=survivor.pk)
    other = Organisation.objects.select_for_update().get(pk=other.pk)
    if survivor.pk == other.pk or other.merged_into_id or survivor.merged_into_id:
        raise MergeError("These organisations cannot be merged.")
    before = {f: _value(getattr(survivor, f)) for f in ORGANISATION_MERGE_FIELDS}
    for field in ORGANISATION_MERGE_FIELDS:
        if take_from_other.get(field):
            setattr(survivor, field, getattr(other, field))
    organisation_services._place(survivor)
    survivor.save()

    moved: dict[str, list[int]] = {}
    removed_affiliations = []
    for affiliation in Affiliation.objects.filter(organisation=other):
        twin = Affiliation.objects.filter(
            person_id=affiliation.person_id, organisation=survivor, ended_on=affiliation.ended_on
        ).first()
        if twin is not None:
            removed_affiliations.append(
                {
                    "person_id": affiliation.person_id,
                    "role": affiliation.role,
                    "started_on": _value(affiliation.started_on),
                    "ended_on": _value(affiliation.ended_on),
                    "is_primary": affiliation.is_primary,
                }
            )
            was_primary = affiliation.is_primary
            affiliation.delete()
            if was_primary and not twin.is_primary:
                twin.is_primary = True
                twin.save(update_fields=["is_primary"])
        else:
            moved.setdefault("affiliations", []).append(affiliation.pk)
    Affiliation.objects.filter(pk__in=moved.get("affiliations", [])).update(organisation=survivor)
    moved["primary_people"] = list(
        Person.objects.filter(primary_organisation=other).values_list("pk", flat=True)
    )
    Person.objects.filter(pk__in=moved["primary_people"]).update(primary_organisation=survivor)
    moved["sites"] = list(other.sites.values_list("pk", flat=True))
    Site.objects.filter(pk__in=moved["sites"]).update(organisation=survivor)
    moved["external_ids"] = list(other.external_ids.values_list("pk", flat=True))
    OrganisationExternalId.objects.filter(pk__in=moved["external_ids"]).update(
        organisation=survivor
    )

    removed_relations = []
    for relation in OrganisationRelation.objects.filter(source_organisation=other):
        clash = (
            relation.target_organisation_id == survivor.pk
            or OrganisationRelation.objects.filter(
                source_organisation=survivor,
                target_organisation_id=relation.target_organisation_id,
                kind=relation.kind,
            ).exists()
        )
        if clash:
            removed_relations.append(_relation_data(relation))
            relation.delete()
        else:
            moved.setdefault("relations_out", []).append(relation.pk)
    for relation in OrganisationRelation.objects.filter(target_organisation=other):
        clash = (
            relation.source_organisation_id == survivor.pk
            or OrganisationRelation.objects.filter(
                source_organisation_id=relation.source_organisation_id,
                target_organisation=survivor,
                kind=relation.kind,
            ).exists()
        )
        if clash:
            removed_relations.append(_relation_data(relation))
            relation.delete()
        else:
            moved.setdefault("relations_in", []).append(relation.pk)
    OrganisationRelation.objects.filter(pk__in=moved.get("relations_out", [])).update(
        source_organisation=survivor
    )
    OrganisationRelation.objects.filter(pk__in=moved.get("relations_in", [])).update(
        target_organisation=survivor
    )

    added_terms = list(
        other.terms.exclude(pk__in=survivor.terms.all()).values_list("pk", flat=True)
    )
    survivor.terms.add(*added_terms)
    added_tags = list(other.tags.exclude(pk__in=survivor.tags.all()).values_list("pk", flat=True))
    survivor.tags.add(*added_tags)

    linked = move_linked(Organisation, other.pk, survivor.pk)

    other_status = other.status
    other.status = OrganisationStatus.MERGED
    other.merged_into = survivor
    other.save(update_fields=["status", "merged_into", "updated_at"])
    entry = log_action(
        "registry.organisation.merged",
        actor=actor,
        target=survivor,
        data={
            "other": other.pk,
            "other_name": other.name,
            "other_status": other_status,
            "before": before,
            "moved": moved,
            "removed_affiliations": removed_affiliations,
            "removed_relations": removed_relations,
            "added_terms": added_terms,
            "added_tags": added_tags,
            "linked": linked,
        },
    )
    reindex_organisations([survivor.pk])
    from osmose.registry.services.indexing import unindex

    unindex("organisation", [other.pk])
    reindex_people(
        Affiliation.objects.filter(organisation=survivor).values_list("person_id", flat=True)
    )
    return entry


def _relation_data(relation: OrganisationRelation) -> dict[str, Any]:
    return {
        "source": relation.source_organisation_id,
        "target": relation.target_organisation_id,
        "kind": relation.kind,
        "started_on": _value(relation.started_on),
        "ended_on": _value(relation.ended_on),
    }


@transaction.atomic
def merge_people(
    *, actor: Any, survivor: Person, other: Person, take_from_other: Mapping[str, bool]
) -> AuditLogEntry:
    survivor = Person.objects.select_for_update().get(pk=survivor.pk)
    other = Person.objects.select_for_update().get(pk=other.pk)
    if survivor.pk == other.pk or other.merged_into_id or survivor.merged_into_id:
        raise MergeError("These people cannot be merged.")
    before = {f: _value(getattr(survivor, f)) for f in PERSON_MERGE_FIELDS}
    for field in PERSON_MERGE_FIELDS:
        if take_from_other.get(field):
            setattr(survivor, field, getattr(other, field))
    # The other's e-mail is kept as a secondary one: mail to either address still finds them.
    extra = [
        e
        for e in [other.email, *other.other_emails]
        if e and e != survivor.email and e not in survivor.other_emails
    ]
    survivor.other_emails = [*survivor.other_emails, *extra]
    moved_user = None
    if other.user_id and not survivor.user_id:
        moved_user = other.user_id
        other_user = other.user_id
        other.user = None
        other.save(update_fields=["user"])
        survivor.user_id = other_user
    if survivor.last_contact_at is None or (
        other.last_contact_at and other.last_contact_at > survivor.last_contact_at
    ):
        before["last_contact_at"] = _value(survivor.last_contact_at)
        survivor.last_contact_at = other.last_contact_at
    survivor.save()

    moved: dict[str, list[int]] = {}
    removed_affiliations = []
    survivor_has_primary = survivor.affiliations.filter(is_primary=True).exists()
    for affiliation in Affiliation.objects.filter(person=other):
        twin = Affiliation.objects.filter(
            person=survivor,
            organisation_id=affiliation.organisation_id,
            ended_on=affiliation.ended_on,
        ).first()
        if twin is not None:
            removed_affiliations.append(
                {
                    "organisation_id": affiliation.organisation_id,
                    "role": affiliation.role,
                    "started_on": _value(affiliation.started_on),
                    "ended_on": _value(affiliation.ended_on),
                    "is_primary": affiliation.is_primary,
                }
            )
            affiliation.delete()
            continue
        if affiliation.is_primary and survivor_has_primary:
            affiliation.is_primary = False
            affiliation.save(update_fields=["is_primary"])
            moved.setdefault("unprimaried", []).append(affiliation.pk)
        moved.setdefault("affiliations", []).append(affiliation.pk)
    Affiliation.objects.filter(pk__in=moved.get("affiliations", [])).update(person=survivor)
    moved["consents"] = list(other.consents.values_list("pk", flat=True))
    ConsentRecord.objects.filter(pk__in=moved["consents"]).update(person=survivor)
    moved["external_ids"] = list(other.external_ids.values_list("pk", flat=True))
    PersonExternalId.objects.filter(pk__in=moved["external_ids"]).update(person=survivor)
    added_expertise = list(
        other.expertise.exclude(pk__in=survivor.expertise.all()).values_list("pk", flat=True)
    )
    survivor.expertise.add(*added_expertise)
    people_services._sync_primary(survivor)
    linked = move_linked(Person, other.pk, survivor.pk)

    other.merged_into = survivor
    other.save(update_fields=["merged_into", "updated_at"])
    entry = log_action(
        "registry.person.merged",
        actor=actor,
        target=survivor,
        data={
            "other": other.pk,
            "before": before,
            "added_emails": extra,
            "moved": moved,
            "moved_user": moved_user,
            "removed_affiliations": removed_affiliations,
            "added_expertise": added_expertise,
            "linked": linked,
        },
    )
    from osmose.registry.services.indexing import unindex

    unindex("person", [other.pk])
    reindex_people([survivor.pk])
    return entry


@transaction.atomic
def undo_merge(*, actor: Any, entry: AuditLogEntry) -> None:
    """Put both records back as they were before the merge recorded in ``entry``."""
    entry = AuditLogEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.action not in ("registry.organisation.merged", "registry.person.merged"):
        raise MergeError("This audit entry is not a merge.")
    if entry.data.get("undone_at"):
        raise MergeError("This merge was already undone.")
    data = entry.data
    if entry.action == "registry.organisation.merged":
        _undo_organisation_merge(int(entry.target_id), data)
        code = "registry.organisation.merge_undone"
    else:
        _undo_person_merge(int(entry.target_id), data)
        code = "registry.person.merge_undone"
    undo = log_action(code, actor=actor, target=None, data={"merge_entry": entry.pk})
    entry.data = {**data, "undone_at": undo.created_at.isoformat(), "undone_by": undo.pk}
    entry.save(update_fields=["data"])


def _undo_organisation_merge(survivor_id: int, data: dict[str, Any]) -> None:
    survivor = Organisation.objects.select_for_update().get(pk=survivor_id)
    other = Organisation.objects.select_for_update().get(pk=data["other"])
    for field, value in data["before"].items():
        setattr(survivor, field, _parse(Organisation, field, value))
    organisation_services._place(survivor)
    survivor.save()
    moved = data["moved"]
    restore_linked(Organisation, other.pk, survivor.pk, data.get("linked", {}))
    Affiliation.objects.filter(pk__in=moved.get("affiliations", [])).update(organisation=other)
    Person.objects.filter(pk__in=moved.get("primary_people", [])).update(primary_organisation=other)
    Site.objects.filter(pk__in=moved.get("sites", [])).update(organisation=other)
    OrganisationExternalId.objects.filter(pk__in=moved.get("external_ids", [])).update(
        organisation=other
    )
    OrganisationRelation.objects.filter(pk__in=moved.get("relations_out", [])).update(
        source_organisation=other
    )
    OrganisationRelation.objects.filter(pk__in=moved.get("relations_in", [])).update(
        target_organisation=other
    )
    for item in data.get("removed_affiliations", []):
        Affiliation.objects.filter(
            person_id=item["person_id"], organisation=survivor, is_primary=True
        ).update(is_primary=not item["is_primary"])
        Affiliation.objects.create(
            person_id=item["person_id"],
            organisation=other,
            role=item["role"],
            started_on=_parse(Affiliation, "started_on", item["started_on"]),
            ended_on=_parse(Affiliation, "ended_on", item["ended_on"]),
            is_primary=item["is_primary"],
        )
    for item in data.get("removed_relations", []):
        source = other.pk if item["source"] == data["other"] else item["source"]
        target = other.pk if item["target"] == data["other"] else item["target"]
        OrganisationRelation.objects.get_or_create(
            source_organisation_id=source,
            target_organisation_id=target,
            kind=item["kind"],
            defaults={
                "started_on": _parse(OrganisationRelation, "started_on", item["started_on"]),
                "ended_on": _parse(OrganisationRelation, "ended_on", item["ended_on"]),
            },
        )
    survivor.terms.remove(*data.get("added_terms", []))
    survivor.tags.remove(*data.get("added_tags", []))
    other.status = data.get("other_status", OrganisationStatus.ACTIVE)
    other.merged_into = None
    other.save(update_fields=["status", "merged_into", "updated_at"])
    for person_id in set(
        Affiliation.objects.filter(organisation__in=[survivor, other]).values_list(
            "person_id", flat=True
        )
    ):
        people_services._sync_primary(Person.objects.get(pk=person_id))
    reindex_organisations([survivor.pk, other.pk])
    reindex_people(
        Affiliation.objects.filter(organisation__in=[survivor, other]).values_list(
            "person_id", flat=True
        )
    )


def _undo_person_merge(survivor_id: int, data: dict[str, Any]) -> None:
    survivor = Person.objects.select_for_update().get(pk=survivor_id)
    other = Person.objects.select_for_update().get(pk=data["other"])
    # "before" holds every merge field, other_emails included: restoring it drops the added ones.
    for field, value in data["before"].items():
        if field == "last_contact_at":
            value = datetime.fromisoformat(value) if value else None
        setattr(survivor, field, value)
    if data.get("moved_user"):
        survivor.user = None
        survivor.save(update_fields=["user"])
        other.user_id = data["moved_user"]
    survivor.save()
    moved = data["moved"]
    restore_linked(Person, other.pk, survivor.pk, data.get("linked", {}))
    Affiliation.objects.filter(pk__in=moved.get("affiliations", [])).update(person=other)
    Affiliation.objects.filter(pk__in=moved.get("unprimaried", [])).update(is_primary=True)
    ConsentRecord.objects.filter(pk__in=moved.get("consents", [])).update(person=other)
    PersonExternalId.objects.filter(pk__in=moved.get("external_ids", [])).update(person=other)
    for item in data.get("removed_affiliations", []):
        Affiliation.objects.create(
            person=other,
            organisation_id=item["organisation_id"],
            role=item["role"],
            started_on=_parse(Affiliation, "started_on", item["started_on"]),
            ended_on=_parse(Affiliation, "ended_on", item["ended_on"]),
            is_primary=item["is_primary"],
        )
    survivor.expertise.remove(*data.get("added_expertise", []))
    other.merged_into = None
    other.save()
    people_services._sync_primary(survivor)
    people_services._sync_primary(other)
    reindex_people([survivor.pk, other.pk])
