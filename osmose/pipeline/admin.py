"""The ventures in the Django admin: for reading and repairs; the pages and the services are
where the stage rules run (a stage is not edited here)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from osmose.pipeline.models import (
    Deal,
    FundingRound,
    IpAsset,
    Milestone,
    StageChange,
    SupportAction,
    TeamMember,
    TrlRecord,
    Venture,
)


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["from_stage", "to_stage", "on", "note", "recorded_by"]
    readonly_fields = ["from_stage", "to_stage", "on", "note", "recorded_by"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["person"]


class TrlRecordInline(admin.TabularInline):
    model = TrlRecord
    extra = 0


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    readonly_fields = ["reminded_at"]


@admin.register(Venture)
class VentureAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "stage_since", "trl", "origin", "company"]
    list_filter = ["stage"]
    search_fields = ["name", "summary", "technology"]
    raw_id_fields = ["origin", "tech_transfer_office"]
    # The stage and its evidence change only through the stage rules (services.move_to_stage).
    readonly_fields = ["stage", "stage_since", "trl", "company", "licensee", "stopped_reason"]
    readonly_fields += ["created_by"]
    filter_horizontal = ["terms"]
    inlines = [StageChangeInline, TrlRecordInline, TeamMemberInline, MilestoneInline]


@admin.register(IpAsset)
class IpAssetAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "reference", "on", "venture"]
    list_filter = ["kind"]
    search_fields = ["title", "reference", "venture__name"]
    raw_id_fields = ["venture", "owner", "licensee"]


@admin.register(SupportAction)
class SupportActionAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "on", "venture", "scheme", "outcome"]
    list_filter = ["kind", "scheme", "outcome"]
    search_fields = ["title", "venture__name"]
    raw_id_fields = ["venture", "provider"]
    date_hierarchy = "on"


@admin.register(FundingRound)
class FundingRoundAdmin(admin.ModelAdmin):
    list_display = ["venture", "on", "instrument", "amount"]
    list_filter = ["instrument"]
    search_fields = ["venture__name"]
    raw_id_fields = ["venture", "investors"]
    date_hierarchy = "on"


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ["venture", "fund", "status", "proposed_on", "decided_on", "amount"]
    list_filter = ["status"]
    search_fields = ["venture__name", "fund__name"]
    raw_id_fields = ["venture", "fund", "follow_on_of", "funding_round"]
    readonly_fields = ["status", "funding_round"]
