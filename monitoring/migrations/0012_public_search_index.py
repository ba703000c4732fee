"""Search only ever runs over public evidence: index just those rows (smaller, and no status recheck)."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS evidence_search_gin")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS evidence_public_search_gin ON monitoring_evidence USING gin (search_vector) "
        "WHERE status = 'approved' AND visibility = 'public'"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS evidence_public_search_gin")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS evidence_search_gin ON monitoring_evidence USING gin (search_vector)")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0011_evidence_public_index")]
    operations = [migrations.RunPython(forward, backward)]
