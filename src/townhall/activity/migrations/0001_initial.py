"""The Activity model moves here from the community app: the table and its rows stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("community", "0003_membership_introduction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Activity",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("verb", models.CharField(max_length=40)),
                        ("target_type", models.CharField(blank=True, max_length=40)),
                        ("target_id", models.BigIntegerField(blank=True, null=True)),
                        ("space_id", models.BigIntegerField(blank=True, null=True)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "community_activity",
                        "indexes": [
                            models.Index(fields=["created_at"], name="community_a_created_815815_idx"),
                            models.Index(
                                fields=["actor", "created_at"], name="community_a_actor_i_3f0e5e_idx"
                            ),
                            models.Index(fields=["verb", "created_at"], name="community_a_verb_71d562_idx"),
                            models.Index(
                                fields=["space_id", "created_at"], name="community_a_space_i_2abec5_idx"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
