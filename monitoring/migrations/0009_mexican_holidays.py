"""Mexico's federal non-working days for transparency deadlines, 2021–2027 (see monitoring/deadlines.py).

Frozen as data so that this migration never changes; moderators maintain the table in the admin.
"""

import datetime as dt

from django.db import migrations

HOLIDAYS = [
    ("2021-01-01", "Año Nuevo", "New Year's Day"),
    ("2021-02-01", "Día de la Constitución", "Constitution Day"),
    ("2021-03-15", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2021-04-01", "Jueves Santo", "Holy Thursday"),
    ("2021-04-02", "Viernes Santo", "Good Friday"),
    ("2021-05-01", "Día del Trabajo", "Labour Day"),
    ("2021-09-16", "Día de la Independencia", "Independence Day"),
    ("2021-11-02", "Día de Muertos", "Day of the Dead"),
    ("2021-11-15", "Revolución Mexicana", "Revolution Day"),
    ("2021-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2021-12-25", "Navidad", "Christmas Day"),
    ("2022-01-01", "Año Nuevo", "New Year's Day"),
    ("2022-02-07", "Día de la Constitución", "Constitution Day"),
    ("2022-03-21", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2022-04-14", "Jueves Santo", "Holy Thursday"),
    ("2022-04-15", "Viernes Santo", "Good Friday"),
    ("2022-05-01", "Día del Trabajo", "Labour Day"),
    ("2022-09-16", "Día de la Independencia", "Independence Day"),
    ("2022-11-02", "Día de Muertos", "Day of the Dead"),
    ("2022-11-21", "Revolución Mexicana", "Revolution Day"),
    ("2022-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2022-12-25", "Navidad", "Christmas Day"),
    ("2023-01-01", "Año Nuevo", "New Year's Day"),
    ("2023-02-06", "Día de la Constitución", "Constitution Day"),
    ("2023-03-20", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2023-04-06", "Jueves Santo", "Holy Thursday"),
    ("2023-04-07", "Viernes Santo", "Good Friday"),
    ("2023-05-01", "Día del Trabajo", "Labour Day"),
    ("2023-09-16", "Día de la Independencia", "Independence Day"),
    ("2023-11-02", "Día de Muertos", "Day of the Dead"),
    ("2023-11-20", "Revolución Mexicana", "Revolution Day"),
    ("2023-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2023-12-25", "Navidad", "Christmas Day"),
    ("2024-01-01", "Año Nuevo", "New Year's Day"),
    ("2024-02-05", "Día de la Constitución", "Constitution Day"),
    ("2024-03-18", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2024-03-28", "Jueves Santo", "Holy Thursday"),
    ("2024-03-29", "Viernes Santo", "Good Friday"),
    ("2024-05-01", "Día del Trabajo", "Labour Day"),
    ("2024-09-16", "Día de la Independencia", "Independence Day"),
    ("2024-11-02", "Día de Muertos", "Day of the Dead"),
    ("2024-11-18", "Revolución Mexicana", "Revolution Day"),
    ("2024-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2024-12-25", "Navidad", "Christmas Day"),
    ("2024-10-01", "Transmisión del Poder Ejecutivo Federal", "Presidential inauguration"),
    ("2025-01-01", "Año Nuevo", "New Year's Day"),
    ("2025-02-03", "Día de la Constitución", "Constitution Day"),
    ("2025-03-17", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2025-04-17", "Jueves Santo", "Holy Thursday"),
    ("2025-04-18", "Viernes Santo", "Good Friday"),
    ("2025-05-01", "Día del Trabajo", "Labour Day"),
    ("2025-09-16", "Día de la Independencia", "Independence Day"),
    ("2025-11-02", "Día de Muertos", "Day of the Dead"),
    ("2025-11-17", "Revolución Mexicana", "Revolution Day"),
    ("2025-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2025-12-25", "Navidad", "Christmas Day"),
    ("2026-01-01", "Año Nuevo", "New Year's Day"),
    ("2026-02-02", "Día de la Constitución", "Constitution Day"),
    ("2026-03-16", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2026-04-02", "Jueves Santo", "Holy Thursday"),
    ("2026-04-03", "Viernes Santo", "Good Friday"),
    ("2026-05-01", "Día del Trabajo", "Labour Day"),
    ("2026-09-16", "Día de la Independencia", "Independence Day"),
    ("2026-11-02", "Día de Muertos", "Day of the Dead"),
    ("2026-11-16", "Revolución Mexicana", "Revolution Day"),
    ("2026-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2026-12-25", "Navidad", "Christmas Day"),
    ("2027-01-01", "Año Nuevo", "New Year's Day"),
    ("2027-02-01", "Día de la Constitución", "Constitution Day"),
    ("2027-03-15", "Natalicio de Benito Juárez", "Benito Juárez's birthday"),
    ("2027-03-25", "Jueves Santo", "Holy Thursday"),
    ("2027-03-26", "Viernes Santo", "Good Friday"),
    ("2027-05-01", "Día del Trabajo", "Labour Day"),
    ("2027-09-16", "Día de la Independencia", "Independence Day"),
    ("2027-11-02", "Día de Muertos", "Day of the Dead"),
    ("2027-11-15", "Revolución Mexicana", "Revolution Day"),
    ("2027-12-12", "Día de la Virgen de Guadalupe", "Our Lady of Guadalupe"),
    ("2027-12-25", "Navidad", "Christmas Day"),
]


def add(apps, schema_editor):
    Holiday = apps.get_model("monitoring", "Holiday")
    for date, name_es, name_en in HOLIDAYS:
        Holiday.objects.update_or_create(date=dt.date.fromisoformat(date), defaults={"name_es": name_es, "name_en": name_en})


def remove(apps, schema_editor):
    apps.get_model("monitoring", "Holiday").objects.filter(date__in=[dt.date.fromisoformat(d) for d, _, _ in HOLIDAYS]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0008_transparency_requests")]
    operations = [migrations.RunPython(add, remove)]
