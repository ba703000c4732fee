"""The audit trail is append-only in the database itself (PostgreSQL): a row trigger refuses UPDATE and DELETE.

TRUNCATE fires no row trigger, so `flush` (the restore command, test teardown) still empties the table; `loaddata`
only inserts into the emptied table. Nothing in the application updates or deletes audit rows. On SQLite (local
development) nothing is installed: the application rule alone holds there.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION portal_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'portal_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
CREATE TRIGGER portal_auditevent_append_only BEFORE UPDATE OR DELETE ON portal_auditevent
    FOR EACH ROW EXECUTE FUNCTION portal_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS portal_auditevent_append_only ON portal_auditevent;
DROP FUNCTION IF EXISTS portal_auditevent_append_only();
"""


def _run(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has a literal "%"

    return run


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_outbox_sealed_secrets")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
