"""Who deleted a post (an author may take back their own deletion for a few seconds), and each topic's
participants for the topic lists' avatars (kept by the actions from now on; filled here for the topics
there are: the opening post's author, then the latest distinct authors of visible replies)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SHOWN = 5
BATCH = 500


def fill_participants(apps, schema_editor):
    Topic = apps.get_model("discussions", "Topic")
    Post = apps.get_model("discussions", "Post")
    changed = []
    for topic in Topic.objects.only("id", "author_id").iterator(chunk_size=BATCH):
        ids = [topic.author_id] if topic.author_id else []
        recent = (
            Post.objects.filter(topic_id=topic.pk, position__gt=1, hidden=False, deleted_at__isnull=True)
            .exclude(author_id=None)
            .order_by("-position")
            .values_list("author_id", flat=True)[:200]
        )
        for author_id in recent:
            if len(ids) >= SHOWN:
                break
            if author_id not in ids:
                ids.append(author_id)
        topic.participant_ids = ids
        changed.append(topic)
        if len(changed) >= BATCH:
            Topic.objects.bulk_update(changed, ["participant_ids"])
            changed = []
    if changed:
        Topic.objects.bulk_update(changed, ["participant_ids"])


class Migration(migrations.Migration):
    dependencies = [
        ("discussions", "0006_created_at_given"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="deleted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="topic",
            name="participant_ids",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fill_participants, migrations.RunPython.noop),
    ]
