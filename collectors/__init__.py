"""Collectors: one module per source, registered here, each a pure parser from files to observations."""
from __future__ import annotations

from collectors.curated import curated_collectors
from collectors.discord import Discord
from collectors.dsa_report import DSAReport
from collectors.dsa_tdb.stats import DsaTdbStats
from collectors.google_gov_removals import GoogleGovRemovals
from collectors.meta_cser import MetaCSER
from collectors.microsoft_dsc import MicrosoftDSC
from collectors.ncmec_esp import NcmecESP
from collectors.tiktok_cger import TikTokCGER
from collectors.x_report import XReport
from reports.ingest.collector import Collector

# The one place sources are registered; the id is also the folder name a source's files live in.
REGISTRY: dict[str, Collector] = {c.id: c for c in (
    MetaCSER(),
    TikTokCGER(),
    Discord(),
    MicrosoftDSC(),
    GoogleGovRemovals(),
    *curated_collectors(),
    NcmecESP(),
    DsaTdbStats(),
    DSAReport(),
    # After DSAReport: build.discover gives a file to the first collector whose folder name is in its path,
    # and X's own folder name `x` also appears in dsa-reports/x/.
    XReport(),
)}
