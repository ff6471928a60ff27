"""An index for finding a person by e-mail whatever the case (event registration, imports).

Django's ``email__iexact`` is ``UPPER(email) = UPPER(%s)`` on PostgreSQL and
``email LIKE %s ESCAPE '\\'`` on SQLite: each backend needs its own kind of index.
"""

from django.db import migrations

INDEX = "registry_person_email_ci"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX {INDEX} ON registry_person (UPPER("email"))')
    else:
        schema_editor.execute(f'CREATE INDEX {INDEX} ON registry_person ("email" COLLATE NOCASE)')


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_import_added_records")]
    operations = [migrations.RunPython(create, drop)]
