"""The search index of SearchEntry: on SQLite an FTS5 external-content table with the trigram tokenizer, kept in step
by triggers (Japanese has no spaces between words; trigrams find any substring of three characters or more); on
PostgreSQL the pg_trgm extension and a GIN trigram index, which serves ILIKE '%…%' and similarity ranking."""

from django.db import migrations

SQL = {
    "sqlite": (
        [
            "CREATE VIRTUAL TABLE cocreation_search_fts USING fts5(title, body, content='cocreation_searchentry', "
            "content_rowid='id', tokenize='trigram')",
            "CREATE TRIGGER cocreation_search_ai AFTER INSERT ON cocreation_searchentry BEGIN "
            "INSERT INTO cocreation_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
            "CREATE TRIGGER cocreation_search_ad AFTER DELETE ON cocreation_searchentry BEGIN "
            "INSERT INTO cocreation_search_fts(cocreation_search_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); END",
            "CREATE TRIGGER cocreation_search_au AFTER UPDATE ON cocreation_searchentry BEGIN "
            "INSERT INTO cocreation_search_fts(cocreation_search_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO cocreation_search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
        ],
        [
            "DROP TRIGGER IF EXISTS cocreation_search_au",
            "DROP TRIGGER IF EXISTS cocreation_search_ad",
            "DROP TRIGGER IF EXISTS cocreation_search_ai",
            "DROP TABLE IF EXISTS cocreation_search_fts",
        ],
    ),
    "postgresql": (
        [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX cocreation_search_trgm ON cocreation_searchentry "
            "USING gin ((title || ' ' || body) gin_trgm_ops)",
        ],
        ["DROP INDEX IF EXISTS cocreation_search_trgm"],
    ),
}


def forwards(apps, schema_editor):
    for statement in SQL[schema_editor.connection.vendor][0]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in SQL[schema_editor.connection.vendor][1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("cocreation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
