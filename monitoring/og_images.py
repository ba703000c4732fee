"""Link-preview images (Open Graph, issue 19 part 6): a 1200×630 PNG per public report version and per indicator,
drawn with Pillow in the vendored Noto Sans.

A version's image never changes (a version is immutable once public): it is kept in the shared cache under its
content hash and language, and served with a year of HTTP caching. An indicator's image changes with its text and
its latest public rating: its key names the indicator's last edit and the latest public version it reads. The
cache being down costs a redraw, never an image (portal/cache.py).
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from portal import cache as shared_cache

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = "#ffffff"
INK = "#1b1f24"
MUTED = "#4a4f55"
BAND = "#0b5394"
FONT_DIR = settings.BASE_DIR / "static" / "vendor" / "noto-sans"
REGULAR = "noto-sans-latin-400-normal.woff"
BOLD = "noto-sans-latin-700-normal.woff"
CACHE_SECONDS = 30 * 24 * 60 * 60
KEY_PREFIX = "og:v1:"


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines no wider than ``width`` pixels, the last one ending in "…" if cut."""
    words = " ".join(text.split()).split(" ")
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            break
    else:
        if current:
            out.append(current)
        return out
    last = out[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last[:-1]
    out[-1] = last.rstrip() + "…"
    return out


def draw_card(*, kicker: str, title: str, lines: list[str], badge: tuple[str, str] | None = None) -> bytes:
    """The PNG: site name in a band, a kicker (what this is), the title wrapped, a few lines of facts, and an
    optional badge (text, colour) such as a rating."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 96), fill=BAND)
    draw.text((MARGIN, 48), settings.SITE_NAME, font=_font(BOLD, 40), fill="#ffffff", anchor="lm")
    y = 132
    draw.text((MARGIN, y), kicker, font=_font(BOLD, 30), fill=MUTED)
    y += 52
    title_font = _font(BOLD, 52)
    for line in _wrap(draw, title, title_font, WIDTH - 2 * MARGIN, 3):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 66
    y += 18
    facts_font = _font(REGULAR, 32)
    for line in lines[:2]:
        for part in _wrap(draw, line, facts_font, WIDTH - 2 * MARGIN, 1):
            draw.text((MARGIN, y), part, font=facts_font, fill=MUTED)
            y += 44
    if badge:
        text, colour = badge
        font = _font(BOLD, 34)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        x0, y0 = MARGIN, y + 20
        y1 = y0 + (bottom - top) + 32
        draw.rounded_rectangle((x0, y0, x0 + (right - left) + 48, y1), radius=12, fill=colour)
        draw.text((x0 + 24, (y0 + y1) // 2), text, font=font, fill="#ffffff", anchor="lm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cached(key: str, render: Any) -> bytes:
    png = shared_cache.get(key)
    if isinstance(png, bytes):
        return png
    png = render()
    shared_cache.set(key, png, CACHE_SECONDS)
    return png


def version_png(version: Any, lang: str) -> bytes:
    """The card of a public version in ``lang``: its report's title, number and the date it became public."""

    def render() -> bytes:
        with translation.override(lang):
            report = version.snapshot["report"]
            title = (report.get("title_en") if lang == "en" else None) or report["title"]
            since = max(version.published_at, version.public_from or version.published_at)
            authors = ", ".join(o["name"] for o in report.get("organisations", []))
            facts = [
                _("Version %(number)s · %(date)s") % {"number": version.number, "date": formats.date_format(since)},
                authors,
            ]
            return draw_card(kicker=_("Shadow report"), title=title, lines=[f for f in facts if f])

    return _cached(f"{KEY_PREFIX}version:{version.content_sha256}:{version.number}:{lang}", render)


def indicator_png(indicator: Any, latest: Any, lang: str) -> bytes:
    """The card of an indicator in ``lang``: code, text, and its rating in the latest public version, if any.
    ``latest`` is that version's ``ReportVersionIndicator`` row (or None)."""
    from monitoring.presentation import rating_info

    def render() -> bytes:
        with translation.override(lang):
            badge = None
            facts = [indicator.plan.short_name]
            if latest is not None:
                info = rating_info(latest.rating)
                badge = (f"{info['label']}", info["colour"])
                facts.append(
                    _("Latest rating: %(report)s, version %(number)s")
                    % {"report": latest.version.report.title, "number": latest.version.number}
                )
            return draw_card(
                kicker=_("Indicator %(code)s") % {"code": indicator.code},
                title=indicator.tr("text"),
                lines=facts,
                badge=badge,
            )

    stamp = indicator.updated_at.timestamp() if getattr(indicator, "updated_at", None) else ""
    latest_key = f"{latest.version_id}:{latest.rating}" if latest is not None else "none"
    return _cached(f"{KEY_PREFIX}indicator:{indicator.pk}:{stamp}:{latest_key}:{lang}", render)
