"""The ledger's history is append-only in the database too, and a posting's unit is its accounts' unit.

Postings and lot moves are never changed. A journal may change only while it has no hash (pending, or the instant
between insert and seal inside one transaction); once hashed it is final. A posting whose unit differs from its
debit or credit account's unit is refused (a CHECK constraint cannot read another table, so triggers do it).
"""

from django.db import migrations

NO_UPDATE = "ledger.append_only: {what} are never changed"
UNIT = "ledger.unit: a posting moves one unit between accounts of that unit"

SQLITE = [
    "CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting "
    f"BEGIN SELECT RAISE(ABORT, '{NO_UPDATE.format(what='postings')}'); END;",
    "CREATE TRIGGER ledger_lotmove_no_update BEFORE UPDATE ON ledger_lotmove "
    f"BEGIN SELECT RAISE(ABORT, '{NO_UPDATE.format(what='lot moves')}'); END;",
    "CREATE TRIGGER ledger_journal_final BEFORE UPDATE ON ledger_journal WHEN OLD.hash <> '' "
    f"BEGIN SELECT RAISE(ABORT, '{NO_UPDATE.format(what='final journals')}'); END;",
    "CREATE TRIGGER ledger_posting_unit BEFORE INSERT ON ledger_posting WHEN "
    "(SELECT unit FROM ledger_account WHERE id = NEW.debit_id) <> NEW.unit OR "
    "(SELECT unit FROM ledger_account WHERE id = NEW.credit_id) <> NEW.unit "
    f"BEGIN SELECT RAISE(ABORT, '{UNIT}'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS ledger_posting_no_update;",
    "DROP TRIGGER IF EXISTS ledger_lotmove_no_update;",
    "DROP TRIGGER IF EXISTS ledger_journal_final;",
    "DROP TRIGGER IF EXISTS ledger_posting_unit;",
]
POSTGRES = [
    "CREATE FUNCTION ledger_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'ledger.append_only: % rows are never changed', TG_TABLE_NAME "
    "USING ERRCODE = 'integrity_constraint_violation'; END $$;",
    "CREATE TRIGGER ledger_posting_no_update BEFORE UPDATE ON ledger_posting "
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_update();",
    "CREATE TRIGGER ledger_lotmove_no_update BEFORE UPDATE ON ledger_lotmove "
    "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_update();",
    "CREATE TRIGGER ledger_journal_final BEFORE UPDATE ON ledger_journal "
    "FOR EACH ROW WHEN (OLD.hash <> '') EXECUTE FUNCTION ledger_refuse_update();",
    "CREATE FUNCTION ledger_posting_unit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF (SELECT unit FROM ledger_account WHERE id = NEW.debit_id) <> NEW.unit OR "
    "(SELECT unit FROM ledger_account WHERE id = NEW.credit_id) <> NEW.unit THEN "
    f"RAISE EXCEPTION '{UNIT}' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$;",
    "CREATE TRIGGER ledger_posting_unit BEFORE INSERT ON ledger_posting "
    "FOR EACH ROW EXECUTE FUNCTION ledger_posting_unit();",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS ledger_posting_no_update ON ledger_posting;",
    "DROP TRIGGER IF EXISTS ledger_lotmove_no_update ON ledger_lotmove;",
    "DROP TRIGGER IF EXISTS ledger_journal_final ON ledger_journal;",
    "DROP TRIGGER IF EXISTS ledger_posting_unit ON ledger_posting;",
    "DROP FUNCTION IF EXISTS ledger_refuse_update();",
    "DROP FUNCTION IF EXISTS ledger_posting_unit();",
]


def forwards(apps, schema_editor):
    for statement in SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    for statement in SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else POSTGRES_DROP:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
