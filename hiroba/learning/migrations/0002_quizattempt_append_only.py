"""Quiz attempts and issued badges are append-only in the database too: UPDATE is refused by a trigger on both
backends (a new attempt is added instead; a badge is kept as issued).

DELETE is left alone: a staff member's rows go with their account (`on_delete=CASCADE`), and test-suite teardown
empties the tables.
"""

from django.db import migrations

TABLES = ("learning_quizattempt", "learning_badgeissue")
MESSAGE = "learning.append_only: quiz attempts and badges are never changed"


def _sql(vendor):
    forward, backward = [], []
    for table in TABLES:
        if vendor == "sqlite":
            forward.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
            )
            backward.append(f"DROP TRIGGER IF EXISTS {table}_no_update;")
        else:
            forward.append(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END $$;"
            )
            forward.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only();"
            )
            backward.append(f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};")
            backward.append(f"DROP FUNCTION IF EXISTS {table}_append_only();")
    return forward, backward


def forwards(apps, schema_editor):
    for statement in _sql(schema_editor.connection.vendor)[0]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in _sql(schema_editor.connection.vendor)[1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
