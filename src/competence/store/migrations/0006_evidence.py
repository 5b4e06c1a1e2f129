"""Evidence people can show: a rating's confidence takes one of three choices (not sure, fairly
sure, sure), and a rating's files are kept in their own table, with their bytes.

Nothing set a confidence before; a value above 3 (only possible from a hand-made export) becomes
3, "sure", so that the new check holds.
"""

import django.db.models.deletion
from django.db import migrations, models


def cap_confidence(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("competence", "Rating").objects.filter(confidence__gt=3).update(confidence=3)


class Migration(migrations.Migration):
    dependencies = [
        ("competence", "0005_profile_versions"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="rating", name="confidence_1_5"),
        migrations.RunPython(cap_confidence, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="rating",
            name="confidence",
            field=models.PositiveSmallIntegerField(
                blank=True, choices=[(1, "not sure"), (2, "fairly sure"), (3, "sure")], null=True
            ),
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("confidence__gte", 1), ("confidence__lte", 3)),
                    ("confidence", None),
                    _connector="OR",
                ),
                name="confidence_in_choices",
            ),
        ),
        migrations.CreateModel(
            name="EvidenceFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("competence", models.PositiveSmallIntegerField()),
                ("name", models.CharField(max_length=200)),
                ("content_type", models.CharField(max_length=100)),
                ("size", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                ("content", models.BinaryField()),
                ("uploaded_by", models.CharField(max_length=200)),
                ("uploaded_at", models.DateTimeField()),
                (
                    "assessment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="evidence_files",
                        to="competence.assessment",
                    ),
                ),
            ],
            options={
                "ordering": ["assessment", "competence", "id"],
                "indexes": [
                    models.Index(fields=["assessment", "competence"], name="evidence_file_rating")
                ],
            },
        ),
    ]
