"""Profiles as versioned data: each ProfileVersion has a number, an owner and the profile as its
file holds it; each assessment points at the version it is judged against; a person may have a
target profile.

The built-in framework's stored document and checksum keep only the framework (its profiles are
versioned on their own now), and the profile versions recorded before are turned into the profile
file's shape: the conversion below is written for the data as this migration found it.
"""

import hashlib
import json

import django.db.models.deletion
from django.db import migrations, models

CONTEXTS = ("project", "programme", "portfolio")


def framework_checksum(framework_document):
    text = json.dumps(framework_document, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def profile_file_shape(old, framework_document):
    """A profile as ``profile_data`` gave it (one dict per requirement, with names and the
    framework's definition filled in) in the profile file's shape."""
    definitions = {c["number"]: c["definition"] for c in framework_document["competences"]}
    requirements = []
    for r in old["requirements"]:
        item = {
            "competence": r["number"],
            "knowledge": r["knowledge"],
            "application": r["application"],
            "contexts": [c for c in CONTEXTS if c in r["contexts"]],
        }
        if r.get("qualifier"):
            item["qualifier"] = r["qualifier"]
        if r.get("definition") and r["definition"] != definitions.get(r["number"]):
            item["definition"] = r["definition"]
        requirements.append(item)
    doc = {
        "schema": "competence/profile/1",
        "id": old["id"],
        "name": old["name"],
        "framework": old["framework"],
        "version": 1,
        "owner": "apm",
        "description": old.get("description", ""),
        "notes": old.get("notes", []),
        "requirements": requirements,
    }
    if old.get("rule"):
        doc["rule"] = {**old["rule"], "kind": "builds-on"}
    return doc


def forwards(apps, schema_editor):
    FrameworkVersion = apps.get_model("competence", "FrameworkVersion")
    ProfileVersion = apps.get_model("competence", "ProfileVersion")
    Assessment = apps.get_model("competence", "Assessment")
    for fw in FrameworkVersion.objects.filter(source="builtin"):
        framework_document = fw.document.get("framework", fw.document)
        for pv in ProfileVersion.objects.filter(framework=fw):
            if any("number" in r for r in pv.document.get("requirements", [])):
                pv.document = profile_file_shape(pv.document, framework_document)
            pv.owner, pv.published_at, pv.published_by = "apm", fw.loaded_at, "APM"
            pv.save(update_fields=["document", "owner", "published_at", "published_by"])
        fw.document = {"framework": framework_document}
        fw.checksum = framework_checksum(framework_document)
        fw.save(update_fields=["document", "checksum"])
    # Numbered from 1 per profile, in the order their framework versions were loaded.
    numbers = {}
    for pv in ProfileVersion.objects.order_by("profile_id", "framework__loaded_at", "id"):
        numbers[pv.profile_id] = numbers.get(pv.profile_id, 0) + 1
        pv.number = numbers[pv.profile_id]
        pv.document = {**pv.document, "version": pv.number}
        pv.save(update_fields=["number", "document"])
    versions = {(pv.framework_id, pv.profile_id): pv.pk for pv in ProfileVersion.objects.all()}
    for a in Assessment.objects.all().only("id", "framework_id", "profile"):
        pk = versions.get((a.framework_id, a.profile))
        if pk is not None:
            Assessment.objects.filter(pk=a.pk).update(profile_version_id=pk)
    check_foreign_keys_now(schema_editor)


def check_foreign_keys_now(schema_editor):
    """On PostgreSQL, check now the foreign keys of the rows written above, which it would check
    at commit: the constraint added next alters competence_profileversion in the same
    transaction, and PostgreSQL refuses to alter a table with checks still pending on it. The
    keys are deferred again afterwards, as Django declares them."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [("competence", "0004_single_sign_on")]

    operations = [
        migrations.RemoveConstraint(model_name="profileversion", name="profile_version"),
        migrations.AddField(
            model_name="profileversion",
            name="number",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="profileversion",
            name="owner",
            field=models.CharField(default="apm", max_length=20),
        ),
        migrations.AddField(
            model_name="profileversion",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="profileversion",
            name="published_by",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AlterModelOptions(
            name="profileversion", options={"ordering": ["profile_id", "number"]}
        ),
        migrations.AddField(
            model_name="assessment",
            name="profile_version",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="competence.profileversion",
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="target_profile",
            field=models.CharField(blank=True, max_length=100, null=True),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="profileversion",
            constraint=models.UniqueConstraint(
                fields=("profile_id", "number"), name="profile_version_number"
            ),
        ),
    ]
