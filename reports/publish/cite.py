"""Citations for a figure or a selection: APA-like text and BibTeX naming the original publisher, the exact
document (URL, sha256) and the atlas build the figures were taken from."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from reports.model.errors import AtlasError
from reports.model.schema import NO_LICENCE
from reports.model.selection import Selection
from reports.publish.export import export_frame
from reports.query.buildinfo import atlas_build
from reports.query.figures import sources_frame
from reports.store.database import Store

ATLAS_TITLE = "Transparency Atlas"


@dataclass
class Citation:
    """A citation in two forms."""

    text: str
    bibtex: str

    def render(self, fmt: str = "both") -> str:
        if fmt == "text":
            return self.text
        if fmt == "bibtex":
            return self.bibtex
        return f"{self.text}\n\n{self.bibtex}"


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                   **{c: "\\" + c for c in "&%$#_{}"}}


def bibtex_escape(text: str) -> str:
    """Text as a BibTeX field holds it: LaTeX's special characters escaped (so no brace can close the field and
    forge another entry), on one line."""
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in one_line(text))


def bibtex_url(url: str) -> str:
    """A URL inside \\url{...}: braces, backslashes, quotes, spaces and control characters percent-encoded."""
    return "".join(c if c.isprintable() and c not in '{}\\" ' else "".join(f"%{b:02X}" for b in c.encode())
                   for c in str(url))


def one_line(text: object) -> str:
    """Publisher text for a citation: whitespace and control characters collapsed to single spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def bibtex_key(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9:-]+", "-", "-".join(p for p in parts if p)).strip("-")


def _year(doc) -> str:
    for column in ("published", "edition_date"):
        value = getattr(doc, column, "")
        if value:
            return str(value)[:4]
    return "n.d."


def format_value(value: float | None, unit: str, value_text: str) -> str:
    """A figure for prose: what the publisher printed, else the number with thousands separators."""
    if value_text:
        return value_text
    if value is None or pd.isna(value):
        return "not published"
    if unit == "ratio":
        return f"{value:.2%}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def document_reference(doc) -> str:
    """APA-like reference of one published document, with its sha256 and licence."""
    edition = f", edition {doc.edition}" if doc.edition else ""
    licence = "No licence stated" if doc.license == NO_LICENCE else f"Licence: {doc.license}"
    return one_line(f"{doc.publisher} ({_year(doc)}). {doc.title}{edition} [Data set; file {doc.name}]. "
                    f"{bibtex_url(doc.source_url)}. SHA-256 {doc.sha256}. {licence}.")


def document_bibtex(doc) -> str:
    edition = f", edition {doc.edition}" if doc.edition else ""
    fields = {
        "author": "{" + bibtex_escape(doc.publisher) + "}",
        "title": bibtex_escape(f"{doc.title}{edition}"),
        "year": _year(doc),
        "publisher": bibtex_escape(doc.publisher),
        "howpublished": "\\url{" + bibtex_url(doc.source_url) + "}",
        "url": bibtex_url(doc.source_url),
        "note": bibtex_escape(f"Data set, file {doc.name}; SHA-256 {doc.sha256}; licence: {doc.license}"),
    }
    return bibtex_entry("misc", bibtex_key(doc.source, doc.edition or doc.sha256[:12]), fields)


def bibtex_entry(kind: str, key: str, fields: dict[str, str]) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@{kind}{{{key},\n{body}\n}}"


def atlas_reference(build: dict) -> str:
    return (f"{ATLAS_TITLE} (version {build['version']}) [Data set and software]. Build with data as of "
            f"{build['built']}, {build['documents']} document(s), document-set fingerprint SHA-256 "
            f"{build['fingerprint']}.")


def atlas_bibtex(build: dict) -> str:
    return bibtex_entry("misc", bibtex_key("transparency-atlas", build["version"], build["fingerprint"][:12]), {
        "author": "{" + ATLAS_TITLE + "}",
        "title": f"{ATLAS_TITLE}: platforms' content-moderation transparency data",
        "year": build["built"][:4] if build["built"][:4].isdigit() else "n.d.",
        "version": build["version"],
        "note": bibtex_escape(f"Build with data as of {build['built']}; {build['documents']} document(s); "
                              f"document-set fingerprint SHA-256 {build['fingerprint']}"),
    })


def figure_sentence(row) -> str:
    """One figure in words: platform, policy, metric, period, value and where it was printed."""
    breakdown = f" [{row.breakdown}]" if row.breakdown else ""
    region = "" if row.region == "GLOBAL" else f", {row.region}"
    policy = f", {row.policy_label}" if row.policy_label else ""
    return (f"{row.platform}{policy}, {row.metric_label}{breakdown}{region}, {row.period}: "
            f"{format_value(row.value, row.unit, row.value_text)} ({row.unit}; {row.locator})")


def cite(store: Store, selection: Selection | None = None, *, period: str | None = None,
         policy_label: str | None = None) -> Citation:
    """Cite one figure (when the selection, period and the publisher's policy label match exactly one) or the
    documents behind a selection."""
    selection = selection or Selection()
    df = export_frame(store, selection)
    if period:
        df = df[df["period"] == period]
    if policy_label:
        df = df[df["policy_label"].str.casefold() == policy_label.casefold()]
    narrowed = (f", period {period}" if period else "") + (f", policy label {policy_label!r}" if policy_label else "")
    if df.empty:
        raise AtlasError(f"no figure matches {selection.describe()}{narrowed}")
    sources = sources_frame(store, df)
    build = atlas_build(store)
    lines, entries = [], []
    if len(df) == 1:
        row = next(df.itertuples())
        doc = next(sources.itertuples())
        lines.append(f"Figure: {figure_sentence(row)}.")
        if row.source_url and row.source_url != doc.source_url:
            lines.append(f"Printed at: {row.source_url}")
        lines.append(f"Source: {document_reference(doc)}")
    else:
        lines.append(f"Selection: {selection.describe()}{narrowed} ({len(df)} figures from {len(sources)} document(s)).")
        lines.append("Sources:")
        lines += [f"  [{n}] {document_reference(doc)}" for n, doc in enumerate(sources.itertuples(), start=1)]
    lines.append(f"Compiled in: {atlas_reference(build)}")
    entries += [document_bibtex(doc) for doc in sources.itertuples()]
    entries.append(atlas_bibtex(build))
    return Citation(text="\n".join(lines), bibtex="\n\n".join(entries))
