from django.contrib import admin

from osmose.network.models import Collaboration, FollowUp, Interaction, Introduction, Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "due_on", "assignee", "done_at"]
    list_filter = ["done_at"]
    search_fields = ["title"]
    raw_id_fields = ["organisation", "person", "assignee", "interaction"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["on", "kind", "summary", "logged_by"]
    list_filter = ["kind"]
    date_hierarchy = "on"
    search_fields = ["summary"]
    raw_id_fields = ["people", "organisations", "event", "meeting", "logged_by"]


@admin.register(Introduction)
class IntroductionAdmin(admin.ModelAdmin):
    list_display = ["on", "person_a", "person_b", "event"]
    date_hierarchy = "on"
    search_fields = ["why", "person_a__family_name", "person_b__family_name"]
    raw_id_fields = ["person_a", "person_b", "event", "introduced_by"]


@admin.register(Collaboration)
class CollaborationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "amount", "started_on", "origin_label"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "note"]
    raw_id_fields = [
        "organisations", "people", "origin_event", "origin_meeting", "origin_introduction",
        "venture", "created_by",
    ]  # fmt: skip
    # Status changes go through the UI (services.move_collaboration) so they follow the
    # transitions and reach the audit log.
    readonly_fields = ["status"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["person", "round_days", "due_at", "sent_at", "answer", "answered_at"]
    list_filter = ["round_days", "answer"]
    raw_id_fields = ["meeting", "introduction", "person", "collaboration"]
    readonly_fields = ["sent_at", "answer", "answered_at", "note"]
