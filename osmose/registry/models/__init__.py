from osmose.registry.models.duplicates import DuplicateDecision, DuplicateKey, DuplicateKind
from osmose.registry.models.imports import ImportBatch, ImportMapping, ImportRow, ImportStatus
from osmose.registry.models.organisations import (
    Headcount,
    Organisation,
    OrganisationExternalId,
    OrganisationKind,
    OrganisationRelation,
    OrganisationStatus,
    ProvenanceMixin,
    RelationKind,
    Scope,
    Sector,
    Site,
    Tag,
)
from osmose.registry.models.people import (
    Affiliation,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    LegalBasis,
    Person,
    PersonExternalId,
)
from osmose.registry.models.segments import Segment

__all__ = [
    "Affiliation", "ConsentChannel", "ConsentPurpose", "ConsentRecord", "DuplicateDecision",
    "DuplicateKey", "DuplicateKind", "Headcount", "ImportBatch", "ImportMapping", "ImportRow",
    "ImportStatus",
    "LegalBasis", "Organisation", "OrganisationExternalId", "OrganisationKind",
    "OrganisationRelation", "OrganisationStatus", "Person", "PersonExternalId",
    "ProvenanceMixin", "RelationKind", "Scope", "Sector", "Segment", "Site", "Tag",
]  # fmt: skip
