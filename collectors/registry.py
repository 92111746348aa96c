"""The one place sources are registered: one line per source, its id and the package (folder) that holds it.

A source's folder holds everything about it: its parser, `card.toml`, `mappings/*.csv` and `collect.toml`; its
package's `COLLECTOR` is the collector. A file finds its source by the folder it sits in (a folder named after
one of the source's `folder_names`, the outermost such folder winning), else by the one source whose `sniff`
recognises its content; a file two sources claim is listed, never given to either.
"""
from __future__ import annotations

import importlib

from reports.ingest.collector import Collector
from reports.model.errors import AtlasError

SOURCES = {
    "meta-cser": "collectors.meta_cser",
    "tiktok-cger": "collectors.tiktok_cger",
    "discord": "collectors.discord",
    "microsoft-dsc": "collectors.microsoft_dsc",
    "google-gov-removals": "collectors.google_gov_removals",
    "curated-twitch": "collectors.curated_twitch",
    "ncmec-esp": "collectors.ncmec_esp",
    "x": "collectors.x_report",
    "dsa-report": "collectors.dsa_report",
    "dsa-tdb": "collectors.dsa_tdb",
}


def load(sources: dict[str, str] = SOURCES) -> dict[str, Collector]:
    """Each registered source's collector, checked to carry the id it is registered under."""
    registry = {}
    for source_id, package in sources.items():
        collector = importlib.import_module(package).COLLECTOR
        if collector.id != source_id:
            raise AtlasError(f"{package}.COLLECTOR has id {collector.id!r}, registered as {source_id!r}")
        registry[source_id] = collector
    return registry


REGISTRY: dict[str, Collector] = load()
