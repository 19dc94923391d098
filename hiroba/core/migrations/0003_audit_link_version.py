"""Audit records of hash format 2 (hiroba.core.auditchain): the head remembers the hash it replaced, and each
record says which format its hash has. Records written before keep format 1 and verify as before."""

from django.db import migrations, models

# SQLite adds a column with a default, or a check constraint, by rebuilding the table, which drops its triggers:
# the append-only trigger of 0002 is put back after the rebuild (and after the rebuild that undoes it).
SQLITE_NO_UPDATE = (
    "CREATE TRIGGER IF NOT EXISTS core_auditrecord_no_update BEFORE UPDATE ON core_auditrecord "
    "BEGIN SELECT RAISE(ABORT, 'core.audit.append_only: audit records are never changed'); END;"
)


def sqlite_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_NO_UPDATE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_auditrecord_append_only")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, sqlite_append_only, elidable=False),
        migrations.AddField(
            model_name="auditchain",
            name="prev_hash",
            field=models.CharField(default="0" * 64, max_length=64),
        ),
        # existing rows are format 1; the model's default (what audit_record writes) is 2
        migrations.AddField(
            model_name="auditrecord",
            name="version",
            field=models.PositiveSmallIntegerField(default=1, help_text="hash format (hiroba.core.auditchain)"),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="version",
            field=models.PositiveSmallIntegerField(default=2, help_text="hash format (hiroba.core.auditchain)"),
        ),
        migrations.AddConstraint(
            model_name="auditrecord",
            constraint=models.CheckConstraint(condition=models.Q(version__in=[1, 2]), name="auditrecord_known_version"),
        ),
        migrations.RunPython(sqlite_append_only, migrations.RunPython.noop, elidable=False),
    ]
