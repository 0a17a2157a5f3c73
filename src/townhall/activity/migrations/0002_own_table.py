"""The moved Activity table gets its own name and index names, an index on its target, longer verbs,
and a plain default time (so the bulk layer can write history with the times it happened). The one
payload that used Python keywords as keys (member.role_changed: from/to) is renamed to previous/role."""

import django.utils.timezone
from django.db import migrations, models


def rename_role_keys(apps, schema_editor):
    Activity = apps.get_model("activity", "Activity")
    for row in Activity.objects.filter(verb="member.role_changed").iterator():
        data = dict(row.data or {})
        if "from" in data or "to" in data:
            row.data = {"previous": data.pop("from", None), "role": data.pop("to", None), **data}
            row.save(update_fields=["data"])


def restore_role_keys(apps, schema_editor):
    Activity = apps.get_model("activity", "Activity")
    for row in Activity.objects.filter(verb="member.role_changed").iterator():
        data = dict(row.data or {})
        if "previous" in data or "role" in data:
            row.data = {"from": data.pop("previous", None), "to": data.pop("role", None), **data}
            row.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0001_initial"),
        ("community", "0004_move_activity"),
    ]

    operations = [
        migrations.AlterModelTable(name="activity", table=None),
        migrations.AlterModelOptions(name="activity", options={"verbose_name_plural": "activities"}),
        migrations.RenameIndex(
            model_name="activity", new_name="activity_created_idx", old_name="community_a_created_815815_idx"
        ),
        migrations.RenameIndex(
            model_name="activity", new_name="activity_actor_idx", old_name="community_a_actor_i_3f0e5e_idx"
        ),
        migrations.RenameIndex(
            model_name="activity", new_name="activity_verb_idx", old_name="community_a_verb_71d562_idx"
        ),
        migrations.RenameIndex(
            model_name="activity", new_name="activity_space_idx", old_name="community_a_space_i_2abec5_idx"
        ),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(fields=["target_type", "target_id"], name="activity_target_idx"),
        ),
        migrations.AlterField(model_name="activity", name="verb", field=models.CharField(max_length=60)),
        migrations.AlterField(
            model_name="activity",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(rename_role_keys, restore_role_keys),
    ]
