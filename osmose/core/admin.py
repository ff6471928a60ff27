from django.contrib import admin

from osmose.core.models import (
    AuditLogEntry,
    Commune,
    Departement,
    JobProgress,
    Region,
    Term,
    Vocabulary,
)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services, never edited by hand."""

    list_display = ["created_at", "action", "actor", "target_repr"]
    list_filter = ["action"]
    search_fields = ["action", "target_repr", "actor__email"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JobProgress)
class JobProgressAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "done", "total", "owner", "created_at"]
    list_filter = ["status"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["insee_code", "name", "departement", "population"]
    list_filter = ["departement__region"]
    search_fields = ["name", "insee_code"]
    list_select_related = ["departement"]


class TermInline(admin.TabularInline):
    model = Term
    fields = ["slug", "name_fr", "name_en", "parent"]
    extra = 0


@admin.register(Vocabulary)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_fr", "name_en", "position"]
    inlines = [TermInline]
