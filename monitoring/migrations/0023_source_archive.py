# Placeholder in the chain of this change; filled by the work it names.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0022_evidence_kinds_reliability")]

    operations: list = []
