"""created_at (and GroupMember.added_at) take a default instead of auto_now_add, so that bulk layers
can write the times things happened. Python-side only: the tables do not change (no SQLite rebuild)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accesstoken",
                    name="created_at",
                    field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
            ],
            database_operations=[],
        ),
    ]
