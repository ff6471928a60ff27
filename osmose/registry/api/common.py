"""The registry router and what its endpoints share: paging, errors, list filters."""

from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError, ValidationError
from ninja.responses import Status

from osmose.core.models import Term
from osmose.registry.api.schemas import CandidateOut, DuplicatesOut
from osmose.registry.directory import SORTS, DirectoryQuery, Target
from osmose.registry.models import Segment
from osmose.registry.services.duplicates import Candidate

router = Router(tags=["registry"])

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Members see the public view: a filter on a field the public view may hide would reveal it.
MEMBER_FILTERS: dict[str, set[str]] = {
    "organisations": {"q", "kind", "sector", "dep"},
    "people": {"q"},
}


def _field_error(field: str | None, message: str) -> dict[str, Any]:
    loc: list[str] = ["body", "payload"] + ([field] if field else [])
    return {"type": "invalid", "loc": loc, "msg": message}


def _unprocessable(error: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as a 422 shaped like the API's own validation errors."""
    if not hasattr(error, "error_dict"):
        return ValidationError([_field_error(None, message) for message in error.messages])
    return ValidationError(
        [
            _field_error(None if field == NON_FIELD_ERRORS else field, message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    )


def _terms(ids: Iterable[int], field: str) -> list[Term]:
    wanted = set(ids)
    terms = list(Term.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {term.pk for term in terms})
    if missing:
        raise ValidationError([_field_error(field, f"Unknown taxonomy terms: {missing}.")])
    return terms


def _duplicates_response(
    candidates: Sequence[Candidate], names: Mapping[int, str]
) -> Status[DuplicatesOut]:
    return Status(
        409,
        DuplicatesOut(
            detail=(
                "Possible duplicates exist. Check them; send the same request with "
                '"force": true to create the record anyway.'
            ),
            candidates=[
                CandidateOut(
                    id=c.object_id,
                    name=names.get(c.object_id, ""),
                    score=c.score,
                    reasons=c.reasons,
                )
                for c in candidates
            ],
        ),
    )


def _service_values(
    model: type[models.Model], payload: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, Any]:
    """The payload's fields for a service; null means empty for text fields."""
    values: dict[str, Any] = {}
    for name in fields:
        if name not in payload:
            continue
        value = payload[name]
        if isinstance(value, Enum):
            value = value.value
        if value is None:
            field = model._meta.get_field(name)
            if field.null:
                pass
            elif isinstance(field, models.CharField | models.TextField) and field.blank:
                value = ""
            elif isinstance(field, models.JSONField):
                value = []
            else:
                raise ValidationError([_field_error(name, "This field may not be null.")])
        values[name] = value
    return values


def _directory_params(filters: Schema) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in filters:
        if name == "segment" or value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        params[name] = [str(v.value if isinstance(v, Enum) else v) for v in values]
    return params


def _segment_query(target: Target, slug: str) -> DirectoryQuery:
    segment = get_object_or_404(Segment, slug=slug, target=target)
    return DirectoryQuery.from_params(target, segment.query)


def _name_filter(queryset: QuerySet[Any], text: str, fields: Sequence[str]) -> QuerySet[Any]:
    """Every word in one of ``fields``: the members' search, blind to unpublished fields."""
    for word in text.split()[:10]:
        match = Q()
        for field in fields:
            match |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(match)
    return queryset


def _member_query(target: Target, filters: Schema) -> DirectoryQuery:
    params = _directory_params(filters)
    refused = sorted(set(params) - MEMBER_FILTERS[target] - {"sort"})
    if refused or params.get("sort", ["name"]) != ["name"] or getattr(filters, "segment", None):
        allowed = ", ".join(sorted(MEMBER_FILTERS[target]))
        raise HttpError(403, f"Members may filter on {allowed} only, sorted by name.")
    return DirectoryQuery.from_params(target, params)


def _ordered(query: DirectoryQuery) -> QuerySet[Any]:
    return query.queryset().order_by(*SORTS[query.target][query.sort][1])
