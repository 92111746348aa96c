"""The names readers see: a platform's, a metric's, a policy area's and a source's, from the vocabularies and cards."""
from __future__ import annotations

from functools import cache

from reports.model import vocab
from reports.model.schema import NO_LICENCE
from reports.store.database import Store


@cache
def labels(kind: str) -> dict[str, str]:
    table = vocab.vocabulary(kind)
    key = "name" if kind == "platforms" else "label"
    return {k: v.get(key) or k for k, v in table.items()}


def platform_name(slug: str) -> str:
    return labels("platforms").get(slug, slug)


def metric_name(metric: str) -> str:
    return labels("metrics").get(metric, metric)


def policy_area_name(code: str) -> str:
    return labels("policy_areas").get(code, code)


def source_title(store: Store, source_id: str) -> str:
    """The source card's publisher and title, or the id where the store holds no card."""
    card = store.source_card(source_id)
    return f"{card.publisher}, {card.title}" if card is not None else source_id


def licence_words(licence: str) -> str:
    return NO_LICENCE if licence == NO_LICENCE else f"licence: {licence}"
