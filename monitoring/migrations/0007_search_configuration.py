"""PostgreSQL full-text search: unaccent, Spanish and English configurations without accents, a GIN index.

Does nothing on SQLite, where search falls back to `search_text` (see monitoring/search.py).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'es_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION es_unaccent (COPY = spanish);
            ALTER TEXT SEARCH CONFIGURATION es_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'en_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION en_unaccent (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION en_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS evidence_search_gin ON monitoring_evidence USING gin (search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS evidence_search_gin",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS es_unaccent",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS en_unaccent",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0006_evidence_search_columns")]
    operations = [migrations.RunPython(forward, backward)]
