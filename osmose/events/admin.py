from django.contrib import admin

from osmose.events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title_fr", "kind", "starts_at", "capacity", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title_fr", "title_en"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["commune"]
