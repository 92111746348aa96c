"""Small pieces of page shared by the views: safe links, labelled controls, the graph configuration."""
from __future__ import annotations

from urllib.parse import urlparse

from dash import html

GRAPH_CONFIG = {"displaylogo": False,
                "toImageButtonOptions": {"format": "png", "filename": "transparency-atlas", "scale": 2}}


def safe_link(url: str | None, text: str | None = None):
    """A link only for http(s) URLs; anything else is shown as plain text (never a javascript: link)."""
    if not url:
        return "not recorded"
    if urlparse(str(url)).scheme in ("http", "https"):
        return html.A(text or url, href=url, target="_blank", rel="noopener noreferrer")
    return str(url)


def labelled(label: str, control, control_id: str, hint: str = ""):
    """A control with a visible label tied to it (and an optional hint)."""
    children = [html.Label(label, htmlFor=control_id, className="control-label"), control]
    if hint:
        children.append(html.Small(hint, className="hint"))
    return html.Div(children, className="control")


def definition_list(facts: list[tuple[str, object]], **props):
    """Terms and their details as a <dl>."""
    items = []
    for term, detail in facts:
        items += [html.Dt(term), html.Dd(detail)]
    return html.Dl(items, **props)
