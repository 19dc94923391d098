"""Fewer index writes per posting, lot and balance change (measured in bench/ledger.py, figure (c)).

- Postings had their debit and credit indexed twice (the foreign keys' own indexes and two in `Meta.indexes`).
- A lot's account is served by the (account, expires_on) index; its funder gets a plain index instead of the
  foreign key's pair (PostgreSQL adds a pattern-matching twin for a text key that nothing searches by prefix).
- On PostgreSQL, account rows leave half of each page free: a balance change rewrites the row, and with room on
  the same page the new version is a heap-only tuple that touches none of the account's seven indexes. An award
  batch changes every account on a page in one transaction, hence half a page.
"""

import django.db.models.deletion
from django.db import migrations, models

ACCOUNT_FILLFACTOR = 50


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE ledger_account SET (fillfactor = {ACCOUNT_FILLFACTOR})", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE ledger_account RESET (fillfactor)", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0004_posting_unit_per_statement"),
        ("tenancy", "0003_role_labels"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="posting", name="ledger_post_debit_i_16981c_idx"),
        migrations.RemoveIndex(model_name="posting", name="ledger_post_credit__ab4642_idx"),
        migrations.AlterField(
            model_name="lot",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lots",
                to="ledger.account",
            ),
        ),
        migrations.AlterField(
            model_name="lot",
            name="funder",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tenancy.municipality",
            ),
        ),
        migrations.AddIndex(
            model_name="lot",
            index=models.Index(fields=["funder"], name="ledger_lot_funder__3c5966_idx"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
