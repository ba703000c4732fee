from django.db import migrations

# ISO 3166-2:MX codes; "national" and "abroad" first and last.
REGIONS = [
    ("MX-NAT", "Nacional", "National"),
    ("MX-AGU", "Aguascalientes", "Aguascalientes"),
    ("MX-BCN", "Baja California", "Baja California"),
    ("MX-BCS", "Baja California Sur", "Baja California Sur"),
    ("MX-CAM", "Campeche", "Campeche"),
    ("MX-CHP", "Chiapas", "Chiapas"),
    ("MX-CHH", "Chihuahua", "Chihuahua"),
    ("MX-CMX", "Ciudad de México", "Mexico City"),
    ("MX-COA", "Coahuila", "Coahuila"),
    ("MX-COL", "Colima", "Colima"),
    ("MX-DUR", "Durango", "Durango"),
    ("MX-GUA", "Guanajuato", "Guanajuato"),
    ("MX-GRO", "Guerrero", "Guerrero"),
    ("MX-HID", "Hidalgo", "Hidalgo"),
    ("MX-JAL", "Jalisco", "Jalisco"),
    ("MX-MEX", "Estado de México", "State of Mexico"),
    ("MX-MIC", "Michoacán", "Michoacán"),
    ("MX-MOR", "Morelos", "Morelos"),
    ("MX-NAY", "Nayarit", "Nayarit"),
    ("MX-NLE", "Nuevo León", "Nuevo León"),
    ("MX-OAX", "Oaxaca", "Oaxaca"),
    ("MX-PUE", "Puebla", "Puebla"),
    ("MX-QUE", "Querétaro", "Querétaro"),
    ("MX-ROO", "Quintana Roo", "Quintana Roo"),
    ("MX-SLP", "San Luis Potosí", "San Luis Potosí"),
    ("MX-SIN", "Sinaloa", "Sinaloa"),
    ("MX-SON", "Sonora", "Sonora"),
    ("MX-TAB", "Tabasco", "Tabasco"),
    ("MX-TAM", "Tamaulipas", "Tamaulipas"),
    ("MX-TLA", "Tlaxcala", "Tlaxcala"),
    ("MX-VER", "Veracruz", "Veracruz"),
    ("MX-YUC", "Yucatán", "Yucatán"),
    ("MX-ZAC", "Zacatecas", "Zacatecas"),
    ("ABROAD", "En el extranjero", "Abroad"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("monitoring", "Region")
    for position, (code, name_es, name_en) in enumerate(REGIONS):
        Region.objects.update_or_create(code=code, defaults={"name_es": name_es, "name_en": name_en, "position": position})


def remove_regions(apps, schema_editor):
    apps.get_model("monitoring", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_evidence")]
    operations = [migrations.RunPython(add_regions, remove_regions)]
