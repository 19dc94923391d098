"""The audit log is append-only in the database too: UPDATE is refused by a trigger on both backends.

DELETE is left to `hiroba audit verify`, which finds any missing record by the sequence and hash links
(and test-suite teardown must be able to empty the table).
"""

from django.db import migrations

SQL = {
    "sqlite": (
        [
            "CREATE TRIGGER core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord "
            "BEGIN SELECT RAISE(ABORT, 'core.audit.append_only: audit records are never changed'); END;"
        ],
        ["DROP TRIGGER IF EXISTS core_auditrecord_no_update;"],
    ),
    "postgresql": (
        [
            "CREATE FUNCTION core_auditrecord_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'core.audit.append_only: audit records are never changed' "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$;",
            "CREATE TRIGGER core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord "
            "FOR EACH ROW EXECUTE FUNCTION core_auditrecord_append_only();",
        ],
        [
            "DROP TRIGGER IF EXISTS core_auditrecord_no_update ON core_auditrecord;",
            "DROP FUNCTION IF EXISTS core_auditrecord_append_only();",
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
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
