from django.db import migrations


def clamp(apps, schema_editor):
    from learnapp.classes.clamp import clamp_stored_values

    clamp_stored_values(
        apps.get_model("classes", "Assignment"), apps.get_model("classes", "Extension")
    )


class Migration(migrations.Migration):
    # Dates and limits saved before the forms checked their ranges (a close time in the year 9999
    # gave a 500 to anyone viewing it from a zone ahead of UTC).
    dependencies = [("classes", "0004_co_teachers")]

    operations = [migrations.RunPython(clamp, migrations.RunPython.noop)]
