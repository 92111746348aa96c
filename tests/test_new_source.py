"""Adding a source is one folder plus one registry line: a toy source made from the template folder builds."""
from __future__ import annotations

import shutil
import sys

from collectors import REGISTRY
from collectors.registry import SOURCES, load
from reports.ingest.build import build
from reports.store.database import Store
from tests.conftest import REPO


def test_a_toy_source_made_from_the_template_folder_builds_with_its_card_and_mappings(tmp_path, monkeypatch):
    package = tmp_path / "packages" / "toy_source"
    shutil.copytree(REPO / "collectors" / "_template", package)
    for name in ("__init__.py", "parser.py"):  # what the README asks of a new source: its id and package name
        path = package / name
        path.write_text(path.read_text().replace("collectors._template", "toy_source")
                        .replace('SOURCE = "template"', 'SOURCE = "toy-source"'))
    card = package / "card.toml"
    card.write_text(card.read_text().replace('id = "template"', 'id = "toy-source"'))
    monkeypatch.syspath_prepend(str(package.parent))
    registry = {**REGISTRY, **load({"toy-source": "toy_source"})}  # the one registry line
    files = tmp_path / "sources" / "toy-source"
    files.mkdir(parents=True)
    (files / "toy-2024-h2.csv").write_text("period,platform,policy,measure,value\n"
                                           '2024-H2,Toyland,Hate speech,Content removed,"1,234"\n'
                                           "2024-H2,Toyland,Robot uprisings,Content removed,56\n")
    summary = build(tmp_path / "sources", tmp_path / "atlas.duckdb", registry, only=["toy-source"])
    assert summary.ok and summary.parsed == ["toy-2024-h2.csv"]
    assert [(u.label.field, u.label.label) for u in summary.unmapped] == [("policy_areas", "Robot uprisings")]
    with Store(tmp_path / "atlas.duckdb", read_only=True) as store:
        figures = store.latest().set_index("policy_label")
        assert store.source_card("toy-source").publisher == "Example Publisher"
    assert figures.loc["Hate speech", "value"] == 1234 and figures.loc["Hate speech", "metric"] == "content_removed"
    assert figures.loc["Robot uprisings", "policy_area"] == "UNMAPPED"
    assert "toy_source" in sys.modules and "toy-source" not in SOURCES  # the real registry is untouched
