"""Counts per million average monthly active recipients: derived at query time from part 10 of EU DSA reports."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from collectors import REGISTRY
from reports.ingest.build import build
from reports.query.normalise import per_million_recipients
from reports.store.database import Store
from tests.conftest import shared


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    db = tmp_path_factory.mktemp("normalise") / "atlas.duckdb"
    build(shared("dsa-reports"), db, {"dsa-report": REGISTRY["dsa-report"]})
    with Store(db, read_only=True) as opened:
        yield opened


def figure(platform, region, start, end, value, *, unit="count", metric="notices_received"):
    return {"platform": platform, "region": region, "period_start": pd.Timestamp(start),
            "period_end": pd.Timestamp(end), "value": value, "unit": unit, "metric": metric}


def test_counts_per_million_recipients_for_the_eu_and_a_member_state(store):
    df = pd.DataFrame([
        figure("tiktok", "EU", "2025-07-01", "2025-12-31", 220_217_619),
        figure("tiktok", "AT", "2025-07-01", "2025-12-31", 2_511_533),
        figure("x", "EU", "2025-07-01", "2025-12-31", 402_010),
    ])
    out = per_million_recipients(store, df)
    assert list(out.recipients) == [178_300_000, 2_700_000, 64_767_887]
    assert out.value_per_million_recipients[0] == pytest.approx(220_217_619 / 178.3)
    assert out.value_per_million_recipients[1] == pytest.approx(2_511_533 / 2.7)
    assert out.value_per_million_recipients[2] == pytest.approx(402_010 / 64.767887)


def test_a_year_uses_both_halves_weighted_by_days(store):
    out = per_million_recipients(store, pd.DataFrame([figure("tiktok", "EU", "2025-07-01", "2026-06-30", 1_000)]))
    # 184 days of 2025-H2 at 178.3 million, 181 days of 2026-H1 at 189 million
    expected = (178_300_000 * 184 + 189_000_000 * 181) / 365
    assert out.recipients[0] == pytest.approx(expected)


def test_no_figure_without_matching_recipients(store):
    df = pd.DataFrame([
        figure("tiktok", "GLOBAL", "2025-07-01", "2025-12-31", 5),  # global counts are not EU counts
        figure("tiktok", "EU", "2024-01-01", "2024-06-30", 5),  # no recipients published for that period
        figure("meta", "EU", "2025-07-01", "2025-12-31", 5),  # no DSA report for this platform
        figure("tiktok", "EU", "2025-07-01", "2025-12-31", 0.9, unit="ratio", metric="automated_accuracy"),
        figure("tiktok", "EU", "2025-07-01", "2025-12-31", None),  # a published gap stays a gap
    ])
    out = per_million_recipients(store, df)
    assert out.value_per_million_recipients.isna().all()
    assert math.isnan(out.recipients[0]) and math.isnan(out.recipients[3])


def test_derived_values_are_not_stored(store):
    per_million_recipients(store, store.latest("metric = 'notices_received'"))
    columns = set(store.query("SELECT * FROM observations LIMIT 1").columns)
    assert "value_per_million_recipients" not in columns and "recipients" not in columns
