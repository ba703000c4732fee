# ruff: noqa: E501 (the shipped texts are Markdown paragraphs, one line each)
# The site's own pages that moderators edit (issue 19, part 5): the privacy notice (aviso de privacidad integral,
# LFPDPPP) and the contact and corrections policy, with their shipped texts in both languages.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

PRIVACY_TITLE_ES = "Aviso de privacidad integral"
PRIVACY_TITLE_EN = "Privacy notice"
CONTACT_TITLE_ES = "Contacto y correcciones"
CONTACT_TITLE_EN = "Contact and corrections"

PRIVACY_ES = """\
Este aviso explica qué datos personales trata el Observatorio 1325, para qué, con quién se comparten, cuánto tiempo se conservan y cómo ejercer sus derechos, conforme a la Ley Federal de Protección de Datos Personales en Posesión de los Particulares (LFPDPPP) y su Reglamento.

## Responsable

El responsable del tratamiento es el **Observatorio 1325**, iniciativa independiente de organizaciones de la sociedad civil que da seguimiento al Plan Nacional de Acción de México sobre la Resolución 1325 del Consejo de Seguridad de la ONU. No es un sitio del gobierno.

Contacto para todo lo relativo a datos personales: **<privacidad@observatorio1325.example.org>**. También puede escribir desde la página [Contacto y correcciones](/es/contact/).

## Qué datos personales tratamos

**Quien solo lee el sitio.** No pedimos datos. El sitio no usa cookies de analítica ni de publicidad, no carga rastreadores ni recursos de terceros (tipografías, scripts o imágenes de otros servidores): todo se sirve desde este mismo sitio. El registro de accesos del servidor web guarda la hora, la dirección pedida (sin sus parámetros), el código de respuesta y el tamaño, **no su dirección IP**. Para limitar el abuso de la API de datos abiertos, su dirección IP se usa como clave de un contador que vive unos minutos en la memoria caché y después se borra.

**Quien tiene una cuenta** (personas de las organizaciones participantes, revisoras y moderadoras):

- nombre, correo electrónico, idioma preferido, organización y papel en ella (integrante o revisora), y si es moderadora;
- contraseña (solo en forma cifrada, nunca legible) y, si la activa, la clave del segundo factor y sus códigos de recuperación de un solo uso;
- la sesión abierta (una cookie técnica, necesaria para iniciar sesión), que termina tras 30 minutos sin actividad y, en todo caso, a las 12 horas;
- los inicios de sesión, correctos y fallidos: dirección IP, identificador del navegador y hora (de entrada y de salida), para detener a quien intente adivinar contraseñas y detectar accesos indebidos;
- lo que hace en el sitio que deba quedar registrado: la bitácora de auditoría guarda quién creó, cambió, aprobó o publicó qué y cuándo;
- los correos que el sitio le envía (invitaciones, avisos, enlaces para restablecer la contraseña): dirección, asunto y texto, mientras se entregan.

**Personas mencionadas en la evidencia.** Las organizaciones registran evidencia (documentos, respuestas oficiales, notas de prensa, testimonios) que puede contener datos de terceras personas, incluso datos personales sensibles (por ejemplo, sobre violencia sufrida, salud, origen étnico o situación migratoria). Para esos casos:

- un testimonio solo se registra con el **consentimiento** de quien lo da, recabado por la organización que lo registra, y con un **seudónimo** cuando así se pide o cuando identificar a la persona la pondría en riesgo;
- la evidencia con datos sensibles se registra como **confidencial** (solo la ven la organización que la registró y las personas moderadoras) o **solo para revisoras**; nunca aparece en las páginas públicas, la API, las descargas, las búsquedas ni las fuentes de noticias;
- antes de publicar una evidencia, una persona moderadora la revisa; los archivos se guardan sin sus metadatos ocultos (por ejemplo, ubicación o autoría) cuando es posible.

## Para qué usamos los datos

Finalidades necesarias: dar acceso a las cuentas y protegerlas; registrar, revisar y publicar la evidencia y los informes sombra; dar seguimiento a solicitudes de acceso a la información; enviar los avisos que el propio sitio genera; llevar la bitácora que permite saber quién cambió qué (rendición de cuentas); atender solicitudes de corrección y de derechos ARCO. No hay finalidades secundarias: no usamos los datos con fines de mercadotecnia, publicidad ni perfiles.

## Fundamento y consentimiento

Tratamos los datos de las cuentas porque son necesarios para la relación que usted establece al aceptar una invitación; al crear su cuenta consiente el tratamiento descrito aquí. Los datos sensibles de terceras personas solo se tratan con su consentimiento expreso, recabado por la organización que registra la evidencia, que responde de haberlo obtenido. Puede retirar su consentimiento en cualquier momento escribiendo al contacto de arriba; el retiro no afecta lo ya publicado de forma lícita, pero la evidencia puede retirarse de la vista pública (ver más abajo).

## Con quién se comparten

No vendemos ni cedemos datos personales. Los tratan por cuenta del Observatorio, solo para prestar el servicio:

- el proveedor de alojamiento (servidores, base de datos y almacenamiento de archivos);
- el proveedor de correo electrónico que entrega los mensajes del sitio.

Fuera de eso, solo se comunican datos cuando lo exija una autoridad competente conforme a la ley. Lo que se publica (evidencia pública, informes) muestra el nombre de la organización autora, no el de las personas que lo registraron.

## Cuánto tiempo se conservan

- Sesiones: hasta 30 minutos sin actividad o 12 horas; las vencidas se borran a diario.
- Contadores de la API por dirección IP: unos minutos.
- Intentos fallidos de inicio de sesión: dejan de contar a los 60 minutos y se borran después; un inicio de sesión correcto borra los de su cuenta.
- Registro de inicios de sesión correctos: mientras la cuenta exista.
- Correos enviados: se borran 30 días después de entregados; los enlaces de un solo uso se borran en cuanto se envían.
- Datos de la cuenta: mientras la cuenta exista. Una cuenta desactivada deja de poder entrar y se cierran sus sesiones.
- Bitácora de auditoría: se conserva de forma permanente, porque es el registro de quién cambió qué y no se puede modificar.
- Evidencia e informes publicados: de forma permanente, como registro público; lo retirado deja una nota en su dirección sin su contenido.
- Copias de seguridad: cifradas, con acceso restringido, y se reemplazan periódicamente por copias más recientes.

## Sus derechos ARCO y cómo ejercerlos

Tiene derecho a **acceder** a sus datos, **rectificarlos** si son inexactos, **cancelarlos** cuando ya no sean necesarios y **oponerse** a su tratamiento para fines concretos, así como a revocar su consentimiento y limitar el uso de sus datos.

Envíe su solicitud a **<privacidad@observatorio1325.example.org>** con: su nombre y un medio para responderle; un documento que acredite su identidad (o la de su representante); la descripción clara de los datos y del derecho que quiere ejercer; y cualquier elemento que ayude a localizarlos (por ejemplo, la dirección de la página). Si se trata de una evidencia que la menciona, indique su dirección.

Responderemos en un máximo de **20 días hábiles** y, si procede, lo haremos efectivo en los 15 días hábiles siguientes. Puede cambiar su nombre y su idioma desde su perfil en cualquier momento. Si considera que no atendimos su solicitud, puede acudir al órgano garante de protección de datos personales que corresponda.

## Cambios a este aviso

Cualquier cambio se publica en esta misma página, con la fecha de su última actualización, que aparece al inicio.
"""

PRIVACY_EN = """\
This notice explains what personal data Observatorio 1325 processes, why, who it is shared with, how long it is kept and how to exercise your rights, under Mexico's Federal Law on the Protection of Personal Data Held by Private Parties (LFPDPPP) and its Regulations.

## Who is responsible

The data controller is **Observatorio 1325**, an independent initiative of civil-society organisations that monitors Mexico's National Action Plan on UN Security Council Resolution 1325. It is not a government website.

Contact for anything about personal data: **<privacidad@observatorio1325.example.org>**. You can also write from the [Contact and corrections](/en/contact/) page.

## What personal data we process

**If you only read the site.** We ask for nothing. The site uses no analytics or advertising cookies and loads no trackers or third-party resources (fonts, scripts or images from other servers): everything is served from this site. The web server's access log keeps the time, the address requested (without its parameters), the status code and the size, **not your IP address**. To limit abuse of the open-data API, your IP address is used as the key of a counter that lives for a few minutes in the cache and is then deleted.

**If you have an account** (people of the participating organisations, reviewers and moderators):

- name, e-mail address, preferred language, organisation and role in it (member or reviewer), and whether you are a moderator;
- password (stored only as a hash, never readable) and, if you turn it on, the key of the second factor and its single-use recovery codes;
- your open session (a technical cookie needed to log in), which ends after 30 minutes without activity and in any case after 12 hours;
- logins, successful and failed: IP address, browser identifier and time (of login and logout), to stop anyone guessing passwords and to detect improper access;
- what you do on the site that must be on record: the audit log keeps who created, changed, approved or published what, and when;
- the e-mails the site sends you (invitations, notifications, password-reset links): address, subject and text, while they are delivered.

**People mentioned in evidence.** Organisations log evidence (documents, official answers, press items, testimony) that may contain data about third parties, including sensitive personal data (for example about violence suffered, health, ethnic origin or migration status). For these:

- testimony is logged only with the **consent** of the person giving it, obtained by the organisation that logs it, and under a **pseudonym** when asked or when identifying the person would put them at risk;
- evidence with sensitive data is logged as **confidential** (seen only by the organisation that logged it and the moderators) or **reviewers only**; it never appears on public pages, in the API, downloads, searches or feeds;
- a moderator reviews every item before it is published; files are stored without their hidden metadata (such as location or author) where possible.

## Why we use the data

Necessary purposes: giving access to accounts and protecting them; logging, reviewing and publishing evidence and shadow reports; following up access-to-information requests; sending the notifications the site itself produces; keeping the audit log that shows who changed what (accountability); handling correction requests and ARCO requests. There are no secondary purposes: no marketing, advertising or profiling.

## Legal basis and consent

Account data is processed because it is needed for the relationship you enter by accepting an invitation; by creating your account you consent to the processing described here. Sensitive data of third parties is processed only with their express consent, obtained by the organisation that logs the evidence, which answers for having obtained it. You can withdraw your consent at any time by writing to the contact above; withdrawal does not affect what was lawfully published, but the evidence can be withdrawn from public view (see below).

## Who it is shared with

We do not sell or hand over personal data. These process it on the Observatory's behalf, only to run the service:

- the hosting provider (servers, database and file storage);
- the e-mail provider that delivers the site's messages.

Beyond that, data is disclosed only when a competent authority requires it under the law. What is published (public evidence, reports) shows the name of the authoring organisation, not of the people who logged it.

## How long it is kept

- Sessions: up to 30 minutes without activity or 12 hours; expired ones are deleted daily.
- API counters per IP address: a few minutes.
- Failed login attempts: stop counting after 60 minutes and are deleted afterwards; a successful login clears those of its account.
- Record of successful logins: while the account exists.
- Sent e-mail: deleted 30 days after delivery; single-use links are deleted as soon as they are sent.
- Account data: while the account exists. A deactivated account can no longer log in and its sessions are ended.
- Audit log: kept permanently, because it is the record of who changed what and cannot be modified.
- Published evidence and reports: permanently, as a public record; a withdrawn item leaves a note at its address without its content.
- Backups: encrypted, with restricted access, and replaced periodically by newer copies.

## Your ARCO rights and how to exercise them

You have the right to **access** your data, **rectify** it if it is inaccurate, **cancel** it when it is no longer needed and **object** to its processing for specific purposes, as well as to withdraw your consent and limit the use of your data.

Send your request to **<privacidad@observatorio1325.example.org>** with: your name and a way to answer you; a document proving your identity (or your representative's); a clear description of the data and of the right you wish to exercise; and anything that helps find the data (for example the page's address). If it is about an item of evidence that mentions you, give its address.

We answer within **20 working days** at most and, where it applies, act on it within the following 15 working days. You can change your name and language from your profile at any time. If you consider that your request was not handled, you can turn to the competent personal-data protection authority.

## Changes to this notice

Any change is published on this page, with the date of its last update shown at the top.
"""

CONTACT_ES = """\
## Cómo contactarnos

Escriba a **<contacto@observatorio1325.example.org>**. Para datos personales y derechos ARCO, use **<privacidad@observatorio1325.example.org>** (ver el [Aviso de privacidad](/es/privacy/)). Las organizaciones con cuenta también pueden escribir a las personas moderadoras desde la conversación de cada evidencia.

## Cómo reportar un error

Si encuentra un error en un informe publicado o en una evidencia (un dato equivocado, una fuente que no dice lo que se afirma, una fecha o una institución incorrecta, un enlace roto, o información que no debería ser pública), escríbanos e incluya:

- la dirección de la página (el enlace permanente que aparece en "Citar esta página");
- qué está mal y, si lo sabe, cuál sería el dato correcto;
- la fuente que lo respalda, si la tiene;
- un medio para responderle (opcional: también atendemos reportes anónimos, aunque no podremos avisarle del resultado).

## Qué pasa después

1. Acusamos recibo y una persona moderadora revisa el reporte con la organización autora.
2. **Informes**: las versiones publicadas no se modifican. Si el error se confirma, se publica una **nueva versión** del informe con una **nota de cambio** que dice qué se corrigió y por qué; las versiones anteriores siguen disponibles en su dirección y se puede comparar lo que cambió entre versiones.
3. **Evidencia**: se corrige y se vuelve a revisar, o se **retira**. Una evidencia retirada deja de ser pública; si un informe publicado la citaba, su dirección muestra una nota de retiro (sin el contenido) para que la cita no quede rota.
4. Si la información pone en riesgo a una persona, la retiramos de la vista pública primero y revisamos después.
5. Le respondemos con el resultado, si nos dejó un medio de contacto.

## Tiempos de respuesta

Nuestro objetivo es acusar recibo en **5 días hábiles** y resolver en **20 días hábiles**; los casos que ponen en riesgo a una persona se atienden de inmediato. Somos un equipo de la sociedad civil: si tardamos más, le diremos por qué.
"""

CONTACT_EN = """\
## How to reach us

Write to **<contacto@observatorio1325.example.org>**. For personal data and ARCO rights, use **<privacidad@observatorio1325.example.org>** (see the [Privacy notice](/en/privacy/)). Organisations with an account can also write to the moderators from the conversation of each item of evidence.

## How to report an error

If you find an error in a published report or in an item of evidence (a wrong figure, a source that does not say what is claimed, a wrong date or institution, a broken link, or information that should not be public), write to us and include:

- the page's address (the permalink shown under "Cite this page");
- what is wrong and, if you know it, what the right information is;
- the source that supports it, if you have one;
- a way to answer you (optional: we also handle anonymous reports, but cannot tell you the outcome).

## What happens next

1. We acknowledge your report and a moderator reviews it with the authoring organisation.
2. **Reports**: published versions are never changed. If the error is confirmed, a **new version** of the report is published with a **change note** saying what was corrected and why; earlier versions stay at their addresses and the changes between versions can be compared.
3. **Evidence**: it is corrected and reviewed again, or **withdrawn**. A withdrawn item is no longer public; if a published report cited it, its address shows a withdrawal note (without the content) so that the citation does not break.
4. If the information puts a person at risk, we take it out of public view first and review afterwards.
5. We tell you the outcome, if you left a way to reach you.

## Response times

We aim to acknowledge your report within **5 working days** and to resolve it within **20 working days**; cases that put a person at risk are handled at once. We are a civil-society team: if it takes longer, we will tell you why.
"""

PAGES = {
    "privacy": (PRIVACY_TITLE_ES, PRIVACY_TITLE_EN, PRIVACY_ES, PRIVACY_EN),
    "contact": (CONTACT_TITLE_ES, CONTACT_TITLE_EN, CONTACT_ES, CONTACT_EN),
}


def create_pages(apps, schema_editor):
    SitePage = apps.get_model("monitoring", "SitePage")
    for slug, (title_es, title_en, body_es, body_en) in PAGES.items():
        SitePage.objects.get_or_create(
            slug=slug,
            defaults={
                "title_es": title_es,
                "title_en": title_en,
                # Stored as the edit form stores them (stripped), so an untouched first save changes nothing.
                "body_es": body_es.strip(),
                "body_en": body_en.strip(),
            },
        )


def remove_pages(apps, schema_editor):
    apps.get_model("monitoring", "SitePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0024_spreadsheet_import"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SitePage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "slug",
                    models.CharField(
                        choices=[("privacy", "Privacy notice"), ("contact", "Contact and corrections")],
                        max_length=20,
                        unique=True,
                        verbose_name="page",
                    ),
                ),
                ("title_es", models.CharField(max_length=200, verbose_name="title (Spanish)")),
                ("title_en", models.CharField(max_length=200, verbose_name="title (English)")),
                ("body_es", models.TextField(verbose_name="text (Spanish)")),
                ("body_en", models.TextField(verbose_name="text (English)")),
                (
                    "version",
                    models.PositiveIntegerField(
                        default=1,
                        help_text="Raised on every change; an edit based on an older version is refused.",
                        verbose_name="edit version",
                    ),
                ),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated")),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="updated by",
                    ),
                ),
            ],
            options={
                "verbose_name": "site page",
                "verbose_name_plural": "site pages",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("slug__in", ["privacy", "contact"])), name="site_page_slug_valid"
                    )
                ],
            },
        ),
        migrations.RunPython(create_pages, remove_pages),
    ]
