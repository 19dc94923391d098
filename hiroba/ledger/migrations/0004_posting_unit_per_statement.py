"""On PostgreSQL, check posting units once per INSERT statement instead of once per row.

An award batch inserts a thousand postings in one statement; the row trigger looked both accounts up for each of
them (about 6 ms per thousand, measured in bench/ledger.py). A statement trigger with a transition table checks
the whole batch in one join. SQLite keeps its row trigger: it has no transition tables.
"""

from django.db import migrations

UNIT = "ledger.unit: a posting moves one unit between accounts of that unit"

FORWARD = [
    "DROP TRIGGER IF EXISTS ledger_posting_unit ON ledger_posting;",
    "DROP FUNCTION IF EXISTS ledger_posting_unit();",
    "CREATE FUNCTION ledger_posting_unit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF EXISTS (SELECT 1 FROM inserted p JOIN ledger_account d ON d.id = p.debit_id "
    "JOIN ledger_account c ON c.id = p.credit_id WHERE d.unit <> p.unit OR c.unit <> p.unit) THEN "
    f"RAISE EXCEPTION '{UNIT}' USING ERRCODE = 'check_violation'; END IF; RETURN NULL; END $$;",
    "CREATE TRIGGER ledger_posting_unit AFTER INSERT ON ledger_posting REFERENCING NEW TABLE AS inserted "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_posting_unit();",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_posting_unit ON ledger_posting;",
    "DROP FUNCTION IF EXISTS ledger_posting_unit();",
    "CREATE FUNCTION ledger_posting_unit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF (SELECT unit FROM ledger_account WHERE id = NEW.debit_id) <> NEW.unit OR "
    "(SELECT unit FROM ledger_account WHERE id = NEW.credit_id) <> NEW.unit THEN "
    f"RAISE EXCEPTION '{UNIT}' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$;",
    "CREATE TRIGGER ledger_posting_unit BEFORE INSERT ON ledger_posting "
    "FOR EACH ROW EXECUTE FUNCTION ledger_posting_unit();",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_chain_head_prev_hash")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
