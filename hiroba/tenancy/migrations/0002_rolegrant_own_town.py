"""A municipal role belongs to the staff member's own municipality (and the agency role to agency staff).

A check constraint cannot read another table, so a trigger enforces it on both backends.
"""

from django.db import migrations

MESSAGE = "tenancy.role.outside_town: roles are granted only for the municipality that employs the staff member"
SQLITE_CONDITION = (
    "NEW.municipality_id IS NOT (SELECT municipality_id FROM tenancy_staff WHERE id = NEW.staff_id)"
)

SQL = {
    "sqlite": (
        [
            f"CREATE TRIGGER tenancy_rolegrant_own_town_insert BEFORE INSERT ON tenancy_rolegrant "
            f"WHEN {SQLITE_CONDITION} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
            f"CREATE TRIGGER tenancy_rolegrant_own_town_update BEFORE UPDATE OF staff_id, municipality_id "
            f"ON tenancy_rolegrant WHEN {SQLITE_CONDITION} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
        ],
        [
            "DROP TRIGGER IF EXISTS tenancy_rolegrant_own_town_insert;",
            "DROP TRIGGER IF EXISTS tenancy_rolegrant_own_town_update;",
        ],
    ),
    "postgresql": (
        [
            "CREATE FUNCTION tenancy_rolegrant_own_town() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.municipality_id IS DISTINCT FROM "
            "(SELECT municipality_id FROM tenancy_staff WHERE id = NEW.staff_id) THEN "
            f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$;",
            "CREATE TRIGGER tenancy_rolegrant_own_town BEFORE INSERT OR UPDATE OF staff_id, municipality_id "
            "ON tenancy_rolegrant FOR EACH ROW EXECUTE FUNCTION tenancy_rolegrant_own_town();",
        ],
        [
            "DROP TRIGGER IF EXISTS tenancy_rolegrant_own_town ON tenancy_rolegrant;",
            "DROP FUNCTION IF EXISTS tenancy_rolegrant_own_town();",
        ],
    ),
}


def forwards(apps, schema_editor):
    for statement in SQL[schema_editor.connection.vendor][0]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in SQL[schema_editor.connection.vendor][1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
