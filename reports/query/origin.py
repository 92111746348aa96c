"""Where figures come from: one figure's document and caveats, the source line of a chart, citations for a
download, and the figures publishers revised between editions."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from reports.model.selection import Selection
from reports.query.buildinfo import atlas_build
from reports.query.common import on_own_cursor, run
from reports.query.figures import sources_frame
from reports.query.naming import licence_words
from reports.store.database import Store


def provenance(store: Store, figure: dict) -> dict:
    """Everything about one figure: its row, its document (name, edition, published, retrieved), caveats."""
    keys = ["source", "platform", "period_start", "period_end", "region", "policy_area", "policy_label", "metric",
            "metric_label", "breakdown"]
    clauses = [f"l.{k} = ?" if not k.startswith("period_") else f"l.{k} = CAST(? AS DATE)" for k in keys]
    params = [str(figure[k])[:10] if k.startswith("period_") else figure[k] for k in keys]
    df = run(store, f"""SELECT l.*, d.name AS document_name, d.edition, d.published, d.retrieved, d.first_seen,
                              d.publisher, d.license, d.title AS document_title, d.source_url AS document_url
                       FROM latest l JOIN documents d ON d.sha256 = l.document_sha256
                       WHERE {' AND '.join(clauses)} LIMIT 1""", params)
    if df.empty:
        return {}
    row = {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in df.iloc[0].to_dict().items()}
    card = store.source_card(row["source"])
    row["caveats"] = list(card.caveats) if card is not None else []
    row["citation"] = card.citation if card is not None else ""
    return row


def with_citations(store: Store, df: pd.DataFrame) -> pd.DataFrame:
    """Plotted rows ready to download: dates as ISO text, plus each source's citation and licence."""
    df = df.copy()
    for column in ("period_start", "period_end"):
        if column in df:
            df[column] = pd.to_datetime(df[column]).dt.strftime("%Y-%m-%d")
    cards = store.source_cards()
    df["citation"] = [cards[s].citation or cards[s].title if s in cards else s for s in df.get("source", [])]
    df["license"] = [cards[s].license if s in cards else "" for s in df.get("source", [])]
    return df


def source_line(store: Store, documents: Iterable[str] = (), *, sources: Iterable[str] = (),
                platforms: Iterable[str] = ()) -> str:
    """'Source: publisher, title (licence); ...' for every document behind a chart, then the atlas build: the
    documents given by sha256, and those holding the latest figures of `sources` (for `platforms`, when given)."""
    store = on_own_cursor(store)
    shas, sources, platforms = list(documents), list(sources), list(platforms)
    if sources:
        where, params = Selection(sources=sources, platforms=platforms).where()
        shas += run(store, f"SELECT DISTINCT document_sha256 FROM latest WHERE {where}", params)["document_sha256"].tolist()
    docs = sources_frame(store, pd.DataFrame({"document_sha256": shas}))
    if docs.empty:
        return ""
    names = dict.fromkeys(f"{d.publisher}, {d.title} ({licence_words(d.license)})" for d in docs.itertuples())
    build = atlas_build(store)
    return (f"Source: {'; '.join(names)}. Compiled by Transparency Atlas {build['version']} "
            f"(data as of {build['built'][:10]}).")


def changes(store: Store, platform: str | None = None, source: str | None = None) -> pd.DataFrame:
    """Store.changes (figures revised between editions) run on its own cursor, safe beside other threads."""
    return on_own_cursor(store).changes(platform=platform, source=source)
