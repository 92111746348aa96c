"""Group totals: a parent group's platforms summed per edition, derived, each term named, nothing counted twice."""
from __future__ import annotations

import json

from click.testing import CliRunner

from reports.model.selection import Selection
from reports.query.groups import group_totals, groups
from tatlas.cli import main


def test_groups_and_members_are_the_registry_s():
    declared = groups()
    assert {"facebook", "instagram", "whatsapp", "threads"} <= set(declared["meta-platforms"])
    assert "twitch" in declared["amazon-com"] and "youtube" in declared["alphabet"]


def test_meta_s_platforms_in_ncmec_2023_summed_as_derived(real_atlas):
    df = group_totals(real_atlas, "meta-platforms", Selection(sources=["ncmec-esp"], since="2023", until="2023"))
    (row,) = df.itertuples()
    # NCMEC 2023, as printed per provider: Facebook 17,838,422; Instagram 11,430,007; WhatsApp 1,389,618; Threads 663;
    # Oculus 13 (Meta Platforms' providers that year).
    printed = {"Facebook": 17_838_422, "Instagram": 11_430_007, "WhatsApp": 1_389_618, "Threads": 663, "Oculus": 13}
    assert row.value == sum(printed.values()) and row.qualifier == "derived"
    for name, value in printed.items():
        assert f"{name} {value:,}" in row.locator
    assert row.platforms == "facebook, instagram, oculus, threads, whatsapp" and row.members_without_figure == "meta"
    assert len(row.document_sha256) == 64 and row.source_url.startswith("https://")


def test_a_figure_printed_for_two_platforms_of_a_group_counts_once(real_atlas):
    df = group_totals(real_atlas, "amazon-com", Selection(sources=["ncmec-esp"]))
    by_year = dict(zip(df.period, df.value, strict=True))
    assert by_year["2020"] == 2_235  # 'Amazon / Twitch 2,235': stored for both platforms, summed once
    assert "Amazon / Twitch 2,235" in df[df.period == "2020"].locator.iloc[0]
    assert by_year["2019"] == 8 + 541  # NCMEC 2019: Amazon 8, Twitch Interactive, Inc. 541


def test_the_command_lists_groups_sums_and_refuses_an_unknown_group(real_atlas):
    runner = CliRunner()
    listed = runner.invoke(main, ["groups", "--db", str(real_atlas.path)])
    assert listed.exit_code == 0 and "meta-platforms: facebook, instagram" in listed.output
    out = runner.invoke(main, ["groups", "amazon-com", "--source", "ncmec-esp", "--format", "json",
                               "--db", str(real_atlas.path)])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert {r["period"]: r["value"] for r in rows}["2020"] == 2_235
    assert {r["qualifier"] for r in rows} == {"derived"}
    typo = runner.invoke(main, ["groups", "meta-platfroms", "--db", str(real_atlas.path)])
    assert typo.exit_code != 0 and "did you mean meta-platforms?" in typo.output
    empty = runner.invoke(main, ["groups", "alphabet", "--source", "ncmec-esp", "--since", "2031",
                                 "--db", str(real_atlas.path)])
    assert empty.exit_code != 0 and "no count of alphabet's platforms to sum" in empty.output


def test_a_company_wide_total_beside_its_platforms_is_said_to_maybe_hold_them(tmp_path):
    """Our own fixture: a publisher prints Meta's company-wide count beside Facebook's; the registry cannot tell
    whether the first holds the second, so the sum says so instead of passing for Meta's total."""
    from reports.model.periods import parse_period
    from tests.test_analysis import make_store, obs

    year = parse_period("2024")
    store = make_store(tmp_path, {"src": [obs("meta", year, 100, metric="ncmec_reports"),
                                          obs("facebook", year, 60, metric="ncmec_reports")]})
    (row,) = group_totals(store, "meta-platforms").itertuples()
    assert row.value == 160 and "Meta (company-wide) is a company-wide figure added beside its platforms' own: it may "\
        "already count them" in row.locator
    assert row.members_without_figure == "instagram, whatsapp, threads, oculus"
