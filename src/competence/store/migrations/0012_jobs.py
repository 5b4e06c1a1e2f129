"""Jobs done by a worker, their files, and the schedule's runs."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("competence", "0011_second_views"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Job",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=30)),
                ("queue", models.CharField(default="default", max_length=50)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("actor", models.CharField(max_length=200)),
                ("options", models.JSONField(default=dict)),
                ("title", models.CharField(max_length=300)),
                ("stage", models.CharField(blank=True, default="", max_length=50)),
                ("done", models.PositiveBigIntegerField(default=0)),
                ("total", models.PositiveBigIntegerField(blank=True, null=True)),
                ("result", models.JSONField(blank=True, null=True)),
                ("problems", models.JSONField(default=list)),
                ("more", models.CharField(blank=True, default="", max_length=200)),
                ("output_name", models.CharField(blank=True, default="", max_length=200)),
                ("output_type", models.CharField(blank=True, default="", max_length=100)),
                ("worker", models.CharField(blank=True, default="", max_length=300)),
                ("created_at", models.DateTimeField()),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jobs",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="JobChunk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("role", models.CharField(max_length=10)),
                ("part", models.PositiveIntegerField()),
                ("data", models.BinaryField()),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="competence.job",
                    ),
                ),
            ],
            options={
                "ordering": ["job", "role", "part"],
            },
        ),
        migrations.CreateModel(
            name="ScheduledRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50)),
                ("period", models.CharField(max_length=20)),
                ("created_at", models.DateTimeField()),
                (
                    "job",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="competence.job",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(fields=["queue", "status", "id"], name="job_waiting"),
        ),
        migrations.AddConstraint(
            model_name="jobchunk",
            constraint=models.UniqueConstraint(
                fields=("job", "role", "part"), name="one_chunk_per_part"
            ),
        ),
        migrations.AddConstraint(
            model_name="scheduledrun",
            constraint=models.UniqueConstraint(
                fields=("name", "period"), name="one_run_per_period"
            ),
        ),
    ]
