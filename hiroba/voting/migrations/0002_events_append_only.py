"""The election's event log is append-only in the database too: UPDATE of an event or of its data members is
refused by a trigger on both backends.

DELETE is left alone (test-suite teardown empties the tables; `on_delete=PROTECT` keeps an opened election's
events); a missing or changed event is found by the archive's hash links (`hiroba voting verify`).
"""

from django.db import migrations

TABLES = ("voting_electionevent", "voting_eventmember")
MESSAGE = "voting.events.append_only: the events of an election are never changed"


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
    dependencies = [("voting", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
