from django.contrib import admin

from osmose.registry.models import Affiliation, Organisation, Person


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["person", "organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "kind", "sector", "scope", "departement", "status"]
    list_filter = ["kind", "sector", "scope", "status", "departement"]
    search_fields = ["name", "acronym", "siren"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["terms"]
    list_select_related = ["departement"]
    inlines = [AffiliationInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["family_name", "given_name", "email", "job_title"]
    search_fields = ["family_name", "given_name", "email"]
    filter_horizontal = ["expertise"]
    raw_id_fields = ["user"]
    inlines = [AffiliationInline]
