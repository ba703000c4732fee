"""One Markdown renderer and sanitiser for the editor preview, the public page and the PDF.

Raw HTML is escaped before rendering (authors write Markdown, not HTML); the output is then
cleaned with an allow-list: no scripts, no event handlers, no images, links only to
http(s) and mailto, each marked rel="noopener noreferrer nofollow".
"""

from __future__ import annotations

import html

import markdown as md
import nh3

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


def render_markdown(text: str) -> str:
    source = html.escape(text or "", quote=False)
    rendered = md.markdown(source, extensions=["extra", "sane_lists"], output_format="html")
    # Authors' headings sit below the page's own: # → h3, ## → h4, ### and deeper → h5.
    for level, target in ((6, 5), (5, 5), (4, 5), (3, 5), (2, 4), (1, 3)):
        rendered = rendered.replace(f"<h{level}>", f"<h{target}>").replace(f"</h{level}>", f"</h{target}>")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
