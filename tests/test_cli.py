"""The CLI: every command has --help, is documented in the README, and the export keeps the contract."""
from __future__ import annotations

import csv
import io

import click
import pytest
from click.testing import CliRunner

from reports.model.schema import CONTRACT_COLUMNS
from reports.store.database import Store
from tatlas.cli import main
from tests.conftest import REPO, shared


def all_commands(group: click.Group = main, prefix: str = "tatlas") -> list[tuple[str, click.Command]]:
    """Every command and subcommand, with its full name."""
    found = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found += all_commands(command, full)
    return found


@pytest.mark.parametrize("name, command", all_commands(), ids=[n for n, _ in all_commands()])
def test_every_command_has_help_and_is_documented_in_the_readme(name, command):
    result = CliRunner().invoke(main, name.split()[1:] + ["--help"])
    assert result.exit_code == 0, result.output
    assert command.help and command.help.strip(), f"{name} has no help text"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"`{name}" in readme, f"{name} is not documented in README.md"


def test_export_writes_the_contract_columns_first_in_order(tmp_path):
    db = tmp_path / "atlas.duckdb"
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--sources", str(shared("meta-cser")), "--db", str(db), "--only",
                                 "meta-cser"])
    assert built.exit_code == 0, built.output
    out = tmp_path / "atlas.csv"
    exported = runner.invoke(main, ["export", "--format", "csv", "--out", str(out), "--db", str(db)])
    assert exported.exit_code == 0, exported.output
    with out.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames[: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
        rows = list(reader)
    row = next(r for r in rows if r["platform"] == "instagram" and r["policy_label"] == "Hate Speech"
               and r["metric"] == "content_actioned" and r["period"] == "2024-Q2")
    assert (row["period_start"], row["period_end"], row["region"], row["breakdown"]) == \
        ("2024-04-01", "2024-06-30", "GLOBAL", "")
    assert len(row["document_sha256"]) == 64 and row["source_url"].startswith("https://transparency.fb.com")


def test_changes_lists_revised_figures_with_both_documents(tmp_path):
    db = tmp_path / "atlas.duckdb"
    runner = CliRunner()
    runner.invoke(main, ["build", "--sources", str(shared("meta-cser")), "--db", str(db)])
    result = runner.invoke(main, ["changes", "--platform", "facebook", "--format", "csv", "--db", str(db)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert any(r["period"] == "2020-Q1" and r["policy_label"] == "Child Nudity & Sexual Exploitation"
               and r["metric_label"] == "Content Actioned" and float(r["old_value"]) == 8_600_000
               and float(r["new_value"]) == 8_500_000 for r in rows)


def test_a_missing_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["export", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "none.duckdb: no store here; run `tatlas build` first" in result.output


def test_since_and_until_take_any_period_and_totals_drops_breakdowns(tmp_path):
    db = tmp_path / "atlas.duckdb"
    runner = CliRunner()
    runner.invoke(main, ["build", "--sources", str(shared("meta-cser")), "--db", str(db)])
    result = runner.invoke(main, ["export", "--db", str(db), "--since", "2024", "--until", "2024-H1", "--totals",
                                  "--platform", "instagram"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["period"] for r in rows} == {"2024-Q1", "2024-Q2"}
    assert {r["breakdown"] for r in rows} == {""}
    # Meta's restored content is only published by appeal route, so --totals leaves none of it
    assert not [r for r in rows if r["metric"] == "restored_content"]
    bad = runner.invoke(main, ["export", "--db", str(db), "--since", "soon"])
    assert bad.exit_code == 2 and "--since: cannot read period 'soon'" in bad.output


def test_vocab_lists_ids_with_the_figures_held(tmp_path):
    db = tmp_path / "atlas.duckdb"
    runner = CliRunner()
    runner.invoke(main, ["build", "--sources", str(shared("meta-cser")), "--db", str(db)])
    result = runner.invoke(main, ["vocab", "metrics", "--db", str(db)])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("prevalence_ceiling\t"))
    assert line.endswith("figure(s)") and not line.endswith("\t0 figure(s)")


def test_a_truncated_file_next_to_a_good_one_fails_alone_with_a_non_zero_exit(tmp_path):
    """A new edition cut short in transfer is named with its place; the good edition beside it is stored."""
    sources, db = tmp_path / "sources" / "meta-cser", tmp_path / "atlas.duckdb"
    sources.mkdir(parents=True)
    good = shared("meta-cser", "meta-2021-q2.csv")
    (sources / good.name).write_bytes(good.read_bytes())
    whole = shared("meta-cser", "meta-2024-q2.csv").read_bytes()
    (sources / "meta-2024-q2.csv").write_bytes(whole[: whole.index(b"\n", len(whole) // 2) + 12])  # mid-row
    result = CliRunner().invoke(main, ["build", "--sources", str(sources.parent), "--db", str(db), "--only", "meta-cser"])
    assert result.exit_code == 1, result.output
    assert "1 document(s) FAILED" in result.output and "meta-2024-q2.csv: line " in result.output
    with Store(db, read_only=True) as store:
        assert list(store.documents().name) == [good.name]
        hate = store.latest("platform = 'facebook' AND policy_label = 'Hate Speech' AND period = '2021-Q1' "
                            "AND metric = 'content_actioned'")
    assert list(hate.value_text) == ["25,200,000"]


def test_unmapped_lists_labels_no_mapping_covers_with_the_row_to_add(tmp_path):
    sources, db = tmp_path / "sources" / "meta-cser", tmp_path / "atlas.duckdb"
    sources.mkdir(parents=True)
    text = shared("meta-cser", "meta-2021-q2.csv").read_text(encoding="utf-8-sig")
    (sources / "meta-2021-q2.csv").write_text(text.replace("Hate Speech", "Hateful Speech Acts"), encoding="utf-8")
    runner = CliRunner()
    strict = runner.invoke(main, ["build", "--strict", "--sources", str(sources.parent), "--db", str(db)])
    assert strict.exit_code == 1 and "--strict: 1 label(s) no mapping covers: policy_areas 'Hateful Speech Acts'" \
        in strict.output
    built = runner.invoke(main, ["build", "--sources", str(sources.parent), "--db", str(db)])
    assert built.exit_code == 0, built.output
    listed = runner.invoke(main, ["unmapped", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    assert "1 label(s) not yet harmonised" in listed.output
    assert "meta-cser policy_areas 'Hateful Speech Acts'" in listed.output
    assert "`Hateful Speech Acts,<policy_area>,,` in collectors/meta_cser/mappings/policy_areas.csv" in listed.output


def test_serve_refuses_the_debugger_on_an_address_others_can_reach():
    result = CliRunner().invoke(main, ["serve", "--debug", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "refused on --host 0.0.0.0" in result.output


def test_a_file_cut_inside_a_quoted_figure_is_refused_and_never_stored_short(tmp_path):
    """A download cut inside "31,800,000" must not become a figure of 31,800."""
    sources, db = tmp_path / "sources" / "meta-cser", tmp_path / "atlas.duckdb"
    sources.mkdir(parents=True)
    whole = shared("meta-cser", "meta-2021-q2.csv").read_bytes()
    (sources / "meta-2021-q2.csv").write_bytes(whole[: whole.index(b'"31,800,000"') + len(b'"31,8')])
    result = CliRunner().invoke(main, ["build", "--sources", str(sources.parent), "--db", str(db), "--only", "meta-cser"])
    assert result.exit_code == 1
    assert "meta-2021-q2.csv: line 5: the file ends inside a quoted field" in result.output
    with Store(db, read_only=True) as store:
        assert store.counts()["observations"] == 0


@pytest.mark.parametrize("args, said", [
    (["--platform", "twich"], "--platform 'twich' is not one the atlas knows: did you mean twitch or wickr?"),
    (["--metric", "ncmec_report"], "--metric 'ncmec_report' is not one the atlas knows: did you mean ncmec_reports"),
    (["--region", "eu"], "--region 'eu' is not one the atlas knows: did you mean EU"),
    (["--source", "ncmec"], "--source 'ncmec' is not one the atlas knows: did you mean ncmec-esp"),
    (["--since", "2031"], "no figure ends on or after 2031-01-01: the atlas's figures run to"),
    (["--platform", "twitch", "--source", "meta-cser"], "(the source filter leaves none)"),
])
def test_a_selection_naming_nothing_the_atlas_holds_is_an_error_that_says_why(args, said):
    """On the bundled atlas (no build): never an empty table with exit status 0."""
    result = CliRunner().invoke(main, ["export", "--format", "csv", *args])
    assert result.exit_code == 2, result.output
    assert said in result.output


def test_an_export_takes_its_format_from_the_file_name_and_refuses_a_mismatch(tmp_path):
    runner = CliRunner()
    out = tmp_path / "twitch.xlsx"
    made = runner.invoke(main, ["export", "--platform", "twitch", "--source", "ncmec-esp", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert out.read_bytes()[:2] == b"PK"  # an XLSX (a ZIP), not a CSV named .xlsx
    refused = runner.invoke(main, ["export", "--format", "csv", "--platform", "twitch", "--out", str(tmp_path / "t.xlsx")])
    assert refused.exit_code == 2 and "--format csv does not match --out t.xlsx" in refused.output
