"""The person's answers to their assessor's ratings in the two-way review: one per competence,
accepted or a reply."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("competence", "0006_evidence"),
    ]

    operations = [
        migrations.CreateModel(
            name="Reply",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("competence", models.PositiveSmallIntegerField()),
                ("accepted", models.BooleanField()),
                ("text", models.TextField(blank=True, default="")),
                ("author", models.CharField(max_length=200)),
                ("at", models.DateTimeField()),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="replies",
                        to="competence.assessment",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "replies",
                "ordering": ["competence"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assessment", "competence"), name="one_reply_each"
                    )
                ],
            },
        ),
    ]
