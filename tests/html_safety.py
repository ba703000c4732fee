"""Finds markup that could run or load something, by parsing the HTML (escaped text is harmless)."""

from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "base"}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Finder(HTMLParser):
    def __init__(self, allowed_scripts: set[str], own_host: str):
        super().__init__()
        self.problems: list[str] = []
        self.allowed_scripts = allowed_scripts
        self.own_host = own_host

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src") in self.allowed_scripts:
            return
        if tag in DANGEROUS_TAGS and not (tag == "svg" and values.get("role") == "img" and "class" not in values):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                lowered = value.strip().lower()
                if lowered.startswith(DANGEROUS_SCHEMES):
                    self.problems.append(f"{tag}[{name}={value[:30]}]")
                if name == "src" and lowered.startswith(("http:", "https:", "//")) and self.own_host not in lowered:
                    self.problems.append(f"{tag}[src={value[:40]}]")
        if tag == "img" and values.get("src", "").startswith(("http", "//")):
            self.problems.append("remote <img>")


def own_scripts() -> set[str]:
    """The site's own scripts (static/js/, progressive enhancement): the only <script> a page may carry."""
    from pathlib import Path

    from django.conf import settings
    from django.templatetags.static import static

    folder = Path(settings.BASE_DIR) / "static" / "js"
    return {static(f"js/{path.name}") for path in folder.glob("*.js")}


def dangerous_markup(html: str, own_host: str = "testserver") -> list[str]:
    finder = _Finder(own_scripts(), own_host)
    finder.feed(html)
    return finder.problems
