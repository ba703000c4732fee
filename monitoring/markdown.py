"""One Markdown renderer and sanitiser for the editor preview, the public page and the PDF, and its plain text.

Authors write Markdown, not HTML. The parser runs without its raw-HTML rules (the ``html_block``
preprocessor and the ``html`` inline pattern), so a tag typed in the text stays the text it is and is
escaped once, by the parser, while blockquotes, code containing ``<`` or ``&``, autolinks
(``<https://…>``, ``<name@example.org>``) and tables render as written. Authors' headings are demoted
below the page's own inside the parser. The output is then cleaned with an allow-list (nh3), always the
last step: no scripts, no event handlers, no images, links only to http(s) and mailto, each marked
rel="noopener noreferrer nofollow".

``plain_text()`` is the same rendering reduced to its words, for places where markup does not belong:
meta and Open Graph descriptions.

Published report versions store the HTML rendered when they were published; nothing here re-renders them.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from html.parser import HTMLParser

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Authors' headings sit below the page's own h1 and h2: # → h3, ## → h4, ### and deeper → h5.
HEADING_OFFSET = 2
DEEPEST_HEADING = 5
_HEADINGS = {f"h{n}" for n in range(1, 7)}


class _DemoteHeadings(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag in _HEADINGS:
                element.tag = f"h{min(int(element.tag[1]) + HEADING_OFFSET, DEEPEST_HEADING)}"


class _AuthorsMarkdown(Extension):
    """No raw HTML (typed tags are text; autolinks stay), and headings demoted. Load after "extra"."""

    def extendMarkdown(self, md: md.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_DemoteHeadings(md), "demote_headings", 5)


def _to_html(text: str) -> str:
    """The parser's HTML, not yet sanitised."""
    parser = md.Markdown(extensions=["extra", "sane_lists", _AuthorsMarkdown()], output_format="html")
    return parser.convert(text or "")


def render_markdown(text: str) -> str:
    return nh3.clean(
        _to_html(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_BREAKS = {
    "p",
    "br",
    "li",
    "blockquote",
    "pre",
    "hr",
    "table",
    "tr",
    "th",
    "td",
    "dt",
    "dd",
    *_HEADINGS,
}


class _Text(HTMLParser):
    """The text of the parser's HTML: a space at block boundaries, no footnote marks or footnotes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: str | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.skipping:
            self.depth += tag == self.skipping
            return
        if (tag == "sup" and (values.get("id") or "").startswith("fnref")) or (
            tag == "div" and values.get("class") == "footnote"
        ):
            self.skipping, self.depth = tag, 1
            return
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping:
                self.depth -= 1
                if not self.depth:
                    self.skipping = None
            return
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(text: str) -> str:
    """Markdown source as the words a reader sees: no syntax, link text without its URL, whitespace collapsed.

    The result is text, not HTML: templates escape it like any other string.
    """
    extractor = _Text()
    extractor.feed(_to_html(text))
    extractor.close()
    return " ".join("".join(extractor.parts).split())
