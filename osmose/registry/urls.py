from django.urls import path

from osmose.registry.views import directory, imports, map, merge, organisations, people

app_name = "registry"
urlpatterns = [
    path("directory/", directory.directory, {"target": "organisations"}, name="organisations"),
    path("directory/people/", directory.directory, {"target": "people"}, name="people"),
    path("directory/<str:target>/export.<str:fmt>", directory.export, name="export"),
    path("directory/<str:target>/segments/", directory.segment_save, name="segment_save"),
    path("directory/segments/<slug:slug>/delete/", directory.segment_delete, name="segment_delete"),
    path("directory/map/", map.map_page, name="map"),
    path("directory/map/organisations.geojson", map.organisations_geojson, name="map_points"),
    path("directory/map/outlines.geojson", map.outlines_geojson, name="map_outlines"),
    path("directory/duplicates/", merge.duplicate_list, name="duplicates"),
    path(
        "directory/lookup/organisations", directory.organisation_lookup, name="organisation_lookup"
    ),
    path("directory/reconsent/", people.reconsent_list, name="reconsent"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:pk>/verify/",
        organisations.organisation_verify,
        name="organisation_verify",
    ),
    path("organisations/<int:pk>/relations/", organisations.relation_add, name="relation_add"),
    path(
        "organisations/<int:pk>/relations/<int:relation_pk>/delete/",
        organisations.relation_delete,
        name="relation_delete",
    ),
    path(
        "organisations/<int:pk>/merge/<int:other_pk>/",
        merge.organisation_merge,
        name="organisation_merge",
    ),
    path("people/new/", people.person_create, name="person_create"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/affiliations/", people.affiliation_add, name="affiliation_add"),
    path(
        "people/<int:pk>/affiliations/<int:affiliation_pk>/end/",
        people.affiliation_end,
        name="affiliation_end",
    ),
    path("people/<int:pk>/consents/", people.consent_add, name="consent_add"),
    path(
        "people/<int:pk>/consents/<int:consent_pk>/withdraw/",
        people.consent_withdraw,
        name="consent_withdraw",
    ),
    path("people/<int:pk>/data/", people.person_data, name="person_data"),
    path("people/<int:pk>/erase/", people.person_erase, name="person_erase"),
    path("people/<int:pk>/merge/<int:other_pk>/", merge.person_merge, name="person_merge"),
    path("merges/<int:entry_pk>/undo/", merge.merge_undo, name="merge_undo"),
    path(
        "duplicates/<str:kind>/<int:pk>/<int:other_pk>/different/",
        merge.not_duplicate,
        name="not_duplicate",
    ),
    path("imports/", imports.import_list, name="imports"),
    path("imports/new/", imports.import_upload, name="import_upload"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/run/", imports.import_run, name="import_run"),
    path("imports/<int:pk>/undo/", imports.import_undo, name="import_undo"),
    path("imports/<int:pk>/rejected.csv", imports.import_rejected, name="import_rejected"),
]
