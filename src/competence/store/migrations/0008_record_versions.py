"""Every assessment has a version, raised by each change, so that a save made from an older one
is refused instead of overwriting what was saved in between."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("competence", "0007_review_replies")]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="version",
            field=models.PositiveIntegerField(default=1, db_default=1),
        ),
    ]
