"""Discord: stacked tables split and mapped, exact published values from several quarters, totals checked."""
from __future__ import annotations

from pathlib import Path

import pytest

from collectors.discord import Discord
from reports.documents import register
from tests.conftest import only_row as value
from tests.conftest import parse_real

FIXTURES = Path(__file__).parent / "fixtures" / "discord"


def parse(quarter: str):
    return parse_real("discord", "discord", f"discord-{quarter}.csv")


@pytest.mark.parametrize("quarter", ["2022-q4", "2023-q1", "2023-q2", "2023-q3", "2023-q4"])
def test_every_quarter_parses_with_every_label_mapped(quarter):
    doc, result = parse(quarter)
    df = result.observations
    assert set(df.period_start.dt.year) <= {2022, 2023} and result.document_meta[doc.sha256]["edition"] == quarter.upper()
    key = ["period", "region", "policy_area", "policy_label", "metric", "metric_label", "breakdown"]
    clashes = df.drop_duplicates(subset=key + ["value"]).duplicated(subset=key)
    assert not clashes.any(), df[clashes].locator.head().tolist()


def test_rows_are_breakdowns_and_the_printed_total_is_the_total():
    _, result = parse("2022-q4")
    df = result.observations
    accounts_table = df[df.locator.str.contains("table Accounts Disabled,")]
    child = value(accounts_table, metric_label="Accounts Disabled", policy_label="Child Safety", period="2022-Q4")
    assert child["value"] == 37_102 and child["metric"] == "accounts_actioned"
    assert child["policy_area"] == "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    total = value(accounts_table, metric_label="Accounts Disabled", policy_area="ALL", breakdown="")
    assert total["value"] == 153_833 and total["locator"].startswith("line 35 ")
    gap = value(df, metric_label="Individual Accounts Warned", policy_label="Violent Extremism")
    assert gap["value_text"] == "--" and gap["value"] != gap["value"]  # NaN: no figure printed, not a zero
    appeal_rate = value(df, metric_label="% Accounts Who Submitted an Appeal", policy_area="ALL")
    assert appeal_rate["value"] == pytest.approx(0.1815) and appeal_rate["unit"] == "ratio"


def test_months_outside_the_files_quarter_are_skipped_but_the_total_kept():
    doc, result = parse("2022-q4")
    assert [s.locator.split(" (")[0] for s in result.skipped] == ["line 40", "line 41", "line 42"]
    assert all("outside the file's quarter 2022-Q4" in s.reason for s in result.skipped)
    total = value(result.observations, metric_label="Month Total", period="2022-Q4")
    assert total["value"] == 11_589 and total["metric"] == "ncmec_reports"


def test_monthly_ncmec_rates_and_countries():
    _, result = parse("2023-q2")
    df = result.observations
    june = value(df, metric_label="Media Reports", period="2023-06")
    assert june["value"] == 18_014 and june["breakdown"] == "report_kind=media"
    rate = value(df, metric_label="% of Reports Actioned", policy_label="Child Safety")
    assert rate["value"] == pytest.approx(0.09) and rate["breakdown"] == "channel=online"
    brazil = value(df, metric_label="Requests", region="BR", breakdown="requests=international")
    assert brazil["value"] == 20 and brazil["metric"] == "information_requests"
    _, q4 = parse("2023-q4")
    emergency = value(q4.observations, metric_label="Requests", region="US", breakdown="request_type=emergency")
    assert emergency["value"] == 114


def test_values_printed_one_row_low_are_realigned_with_a_note():
    _, result = parse("2023-q3")
    df = result.observations
    realigned = df[df.locator.str.contains("table Accounts Disabled,")]
    child = value(realigned, metric_label="Accounts Disabled", policy_label="Child Safety")
    assert child["value"] == 128_153 and child["locator"].startswith("line 23 ")
    # the Appeals table of the same file prints the same figure in its own column
    appeals = df[df.locator.str.contains("table Appeals,")]
    assert value(appeals, metric_label="Accounts Disabled", policy_label="Child Safety")["value"] == 128_153
    total = value(realigned, metric_label="Accounts Disabled", policy_area="ALL")
    assert total["value"] == 260_461
    assert any("discord-2023-q3.csv: table Accounts Disabled" in n and "one row below" in n for n in result.notes)
    assert not any("add up" in n for n in result.notes)


def test_a_total_that_does_not_add_up_is_reported_not_replaced():
    doc = register(FIXTURES / "discord-2024-q1.csv", "discord")
    result = Discord().parse([doc])
    assert result.notes == ["discord-2024-q1.csv: table Warns, line 7: printed Total: Individual Accounts Warned 1,250 "
                            "but its rows add up to 1,200"]
    total = value(result.observations, metric_label="Individual Accounts Warned", policy_area="ALL")
    assert total["value"] == 1_250
    march = value(result.observations, metric_label="Month Total", period="2024-03")
    assert march["value"] == 303
