"""`tatlas sor synth`: a daily dump in exactly the real format, drawn from the real daily statistics, with its true counts.

Distributions come from shantay's daily statistics (`../shared/data/dsa-tdb-stats/*.parquet`) when present,
else from `sor_distributions.csv` beside this module (derived from the same statistics by `derive_table`).
Each platform is drawn by its share of statements that day; then, per platform, its category, decision ground,
decision types, automation, source type, account type, content type, visibility decision and territorial scope.
The true counts are computed here with pandas from the drawn values (not by the engines under test) and written
as `<dump>.truth.json` beside the dump.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from collectors.dsa_tdb.engines import EEA, EEA_NO_IS, EU27
from collectors.dsa_tdb.ingest import V1_HEADER, V2_FROM, V2_HEADER

PART_ROWS = 100_000
PARTS_PER_INNER = 10
TABLE = Path(__file__).with_name("sor_distributions.csv")
STATS_GLOB = "dsa-tdb-stats/*.parquet"
# Fields drawn per platform, as (our field, shantay's column, where its value sits).
FIELDS = [("category", "category", "variant"), ("decision_ground", "decision_ground", "variant"),
          ("decision_type", "decision_type", "entity"), ("automated_detection", "automated_detection", "variant"),
          ("automated_decision", "automated_decision", "variant"), ("source_type", "source_type", "variant"),
          ("account_type", "account_type", "variant"), ("content_type", "content_type", "variant"),
          ("decision_visibility", "decision_visibility", "variant"), ("territorial_scope", "territorial_scope", "variant"),
          ("decision_monetary", "decision_monetary", "variant"), ("decision_provision", "decision_provision", "variant"),
          ("decision_account", "decision_account", "variant")]
LIST_FIELDS = {"content_type", "decision_visibility", "territorial_scope"}
DEFAULTS = {"decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED",
            "decision_monetary": "DECISION_MONETARY_SUSPENSION", "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
            "decision_account": "DECISION_ACCOUNT_SUSPENDED"}
TOP_PLATFORMS = 40


def stats_day(con: duckdb.DuckDBPyConnection, day: date) -> date:
    """The statistics day to draw from: the day itself, else the nearest day of the same schema version."""
    first, last = (date(2023, 9, 25), date(2025, 6, 30)) if day < V2_FROM else (V2_FROM, date(2100, 1, 1))
    row = con.execute("SELECT start_date FROM stats WHERE \"column\" = 'rows' AND start_date BETWEEN ? AND ? "
                      "ORDER BY abs(date_diff('day', start_date, ?::DATE)) LIMIT 1", [first, last, day]).fetchone()
    return row[0]


def derive_table(parquet: Path, days: list[date]) -> pd.DataFrame:
    """Per schema version, platform and field, the weight of each value on a representative day."""
    con = duckdb.connect()
    con.register("stats", con.read_parquet(str(parquet)))
    frames = []
    for day in days:
        used = stats_day(con, day)
        schema = "v2" if used >= V2_FROM else "v1"
        top = con.execute("SELECT platform, \"count\" FROM stats WHERE start_date = ? AND \"column\" = 'rows' "
                          "AND \"count\" > 0 ORDER BY \"count\" DESC LIMIT ?", [used, TOP_PLATFORMS]).fetchdf()
        frames.append(pd.DataFrame({"schema": schema, "platform": top["platform"], "field": "platform", "value": "",
                                    "weight": top["count"]}))
        cases = " ".join(f"WHEN '{col}' THEN {where}" for _, col, where in FIELDS)
        fields = con.execute(f"""
            SELECT platform, "column" AS field, CASE "column" {cases} END AS value, sum("count") AS weight
            FROM stats WHERE start_date = ? AND platform IN (SELECT unnest(?))
              AND "column" IN ({', '.join(f"'{c}'" for _, c, _ in FIELDS)})
              AND (entity IS NULL OR "column" = 'decision_type') AND "count" > 0
            GROUP BY ALL""", [used, list(top["platform"])]).fetchdf()
        fields["value"] = fields["value"].fillna("")
        fields.insert(0, "schema", schema)
        frames.append(fields)
    con.close()
    table = pd.concat(frames, ignore_index=True)
    table["weight"] = table["weight"].astype("int64")
    return table


def distributions(day: date, shared: Path | None) -> pd.DataFrame:
    """The weights for this day's schema: from the real statistics when found, else the committed table."""
    schema = "v2" if day >= V2_FROM else "v1"
    candidates = sorted(shared.glob(STATS_GLOB)) if shared and shared.exists() else []
    table = derive_table(candidates[-1], [day]) if candidates else pd.read_csv(TABLE, keep_default_na=False)
    table = table[table["schema"] == schema]
    return table


def draw(rows: int, day: date, *, seed: int = 0, shared: Path | None = None) -> pd.DataFrame:
    """Draw `rows` statements: one column per field, list fields as Python-free comma-joined strings."""
    rng = np.random.default_rng(seed)
    table = distributions(day, shared)
    platforms = table[table["field"] == "platform"]
    weights = platforms["weight"].to_numpy(float)
    chosen = rng.choice(len(platforms), size=rows, p=weights / weights.sum())
    out = pd.DataFrame({"platform_name": platforms["platform"].to_numpy()[chosen]})
    for field, *_ in FIELDS:
        out[field] = ""
    for platform, index in out.groupby("platform_name").groups.items():
        own = table[(table["platform"] == platform) & (table["field"] != "platform")]
        for field, *_ in FIELDS:
            options = own[own["field"] == field]
            if options.empty:
                continue
            w = options["weight"].to_numpy(float)
            out.loc[index, field] = options["value"].to_numpy()[rng.choice(len(options), size=len(index), p=w / w.sum())]
    # decision_type decides which decision fields are set; its parts pick values drawn above (or a default).
    kinds = out["decision_type"].replace("is_null", "")
    for field, short in (("decision_visibility", "vis"), ("decision_monetary", "mon"),
                         ("decision_provision", "pro"), ("decision_account", "acc")):
        has = kinds.str.contains(rf"(?:^|_){short}(?:_|$)", regex=True)
        filled = out[field].where(out[field] != "", DEFAULTS[field])
        out[field] = filled.where(has, "")
    out.loc[out["category"] == "", "category"] = ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC" if day >= V2_FROM
                                                   else "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE")
    out["decision_type"] = kinds.where(kinds != "", "is_null")
    return out


def true_counts(drawn: pd.DataFrame) -> pd.DataFrame:
    """Counts per platform, category and cut value, computed plainly from the drawn statements."""
    keys = ["platform_name", "category"]
    frames = [drawn.groupby(keys).size().rename("n").reset_index().assign(cut="", val="")]
    scope = drawn["territorial_scope"].replace({",".join(EEA): "EEA", ",".join(EEA_NO_IS): "EEA_no_IS",
                                                ",".join(EU27): "EU"})
    for field in ("decision_ground", "decision_monetary", "decision_provision", "decision_account",
                  "automated_detection", "automated_decision", "source_type", "account_type", "decision_type",
                  "decision_visibility", "content_type", "territorial_scope"):
        values = (scope if field == "territorial_scope" else drawn[field]).replace("", "none")
        if field in LIST_FIELDS:
            values = values.str.split(",")
        frame = drawn[keys].assign(val=values).explode("val")
        frames.append(frame.groupby(keys + ["val"]).size().rename("n").reset_index().assign(cut=field))
    return pd.concat(frames, ignore_index=True)[["platform_name", "category", "cut", "val", "n"]]


def csv_table(drawn: pd.DataFrame, day: date, seed: int) -> pa.Table:
    """The drawn statements as the dump's columns: JSON arrays for list fields, texts of realistic length."""
    n = len(drawn)
    header = V2_HEADER if day >= V2_FROM else V1_HEADER
    rng = np.random.default_rng(seed + 1)
    prefix = hashlib.sha1(f"{day}:{seed}".encode()).hexdigest()
    numbers = pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 12, "0")
    uuid = pc.binary_join_element_wise(f"{prefix[:8]}-{prefix[8:12]}-4{prefix[13:16]}-a{prefix[17:20]}-", numbers, "")

    def json_list(column: str) -> pa.Array:
        values = drawn[column]
        text = '["' + values.str.replace(",", '","', regex=False) + '"]'
        return pa.array(text.where(values != "", None))

    def pooled(kind: str, size: int, length: int) -> pa.Array:
        pool = pa.array([f"{kind} {i}: " + " ".join(f"{kind.lower()}word{(i * 7 + j) % 97}" for j in range(length // 12))
                         for i in range(size)], pa.large_string())  # millions of rows pass 2 GB of text
        return pool.take(pa.array(rng.integers(0, size, n)))

    stamp = f"{day.isoformat()} 00:00:00"
    scope = drawn["territorial_scope"].replace({"EEA": ",".join(EEA), "EEA_no_IS": ",".join(EEA_NO_IS),
                                                "EU": ",".join(EU27)})
    columns = {
        "uuid": uuid, "decision_visibility": json_list("decision_visibility"),
        "decision_monetary": pa.array(drawn["decision_monetary"].where(drawn["decision_monetary"] != "", None)),
        "decision_provision": pa.array(drawn["decision_provision"].where(drawn["decision_provision"] != "", None)),
        "decision_account": pa.array(drawn["decision_account"].where(drawn["decision_account"] != "", None)),
        "account_type": pa.array(drawn["account_type"].where(drawn["account_type"] != "", None)),
        "decision_ground": pa.array(drawn["decision_ground"].where(drawn["decision_ground"] != "", None)),
        "incompatible_content_ground": pooled("Ground", 40, 40),
        "incompatible_content_explanation": pooled("Explanation", 200, 330),
        "category": pa.array(drawn["category"]), "content_type": json_list("content_type"),
        "content_date": pa.array([stamp] * n), "application_date": pa.array([stamp] * n),
        "territorial_scope": json_list_series(scope), "decision_facts": pooled("Facts", 100, 220),
        "source_type": pa.array(drawn["source_type"].where(drawn["source_type"] != "", None)),
        "automated_detection": pa.array(drawn["automated_detection"].where(drawn["automated_detection"] != "", None)),
        "automated_decision": pa.array(drawn["automated_decision"].where(drawn["automated_decision"] != "", None)),
        "platform_name": pa.array(drawn["platform_name"]), "platform_uid": numbers,
        "created_at": pa.array([f"{day.isoformat()} 12:00:00"] * n),
    }
    empty = pa.nulls(n, pa.string())
    return pa.table({c: columns.get(c, empty) for c in header})


def json_list_series(values: pd.Series) -> pa.Array:
    text = '["' + values.str.replace(",", '","', regex=False) + '"]'
    return pa.array(text.where(values != "", None))


def part_csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    sink.write((",".join(table.column_names) + "\n").encode())  # the real header is not quoted
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="needed", include_header=False))
    return sink.getvalue()


def inner_zip(stem: str, inner: int, tables: list[pa.Table], level: int) -> bytes:
    """One `...-NNNNN.csv.zip`: CSV parts `...-NNNNN-MMMMM.csv`, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for number, table in enumerate(tables):
            archive.writestr(f"{stem}-{inner:05d}-{number:05d}.csv", part_csv(table))
    return buffer.getvalue()


def write_dump(out: Path, stem: str, inners: list[bytes]) -> Path:
    """The outer ZIP of inner ZIPs (stored: they are compressed already) and its `.sha1` beside it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number, data in enumerate(inners):
            archive.writestr(f"{stem}-{number:05d}.csv.zip", data)
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    path.with_name(path.name + ".sha1").write_text(f"{digest}  {path.name}\n")
    return path


def synth(rows: int, day: date, out: Path, *, seed: int = 0, shared: Path | None = None, level: int = 1,
          scope: str = "global", part_rows: int = PART_ROWS) -> Path:
    """Write `sor-<scope>-<day>-full.zip` (+ .sha1) of `rows` CSV rows, some repeated verbatim, and its truth JSON."""
    duplicates = max(1, rows // 50_000) if rows > 1 else 0
    drawn = draw(rows - duplicates, day, seed=seed, shared=shared)
    table = csv_table(drawn, day, seed)
    # Repeat some rows right after themselves, never across a part boundary: the real dumps hold such copies.
    rng = np.random.default_rng(seed + 2)
    repeat = np.ones(len(drawn), dtype=int)
    picked = rng.choice(len(drawn), size=duplicates, replace=False) if duplicates else np.array([], int)
    repeat[picked] = 2
    positions = np.cumsum(repeat) - repeat
    straddling = picked[(positions[picked] + 1) % part_rows == 0]
    repeat[straddling] = 1
    order = np.repeat(np.arange(len(drawn)), repeat)
    table = table.take(pa.array(order))
    stem = f"sor-{scope}-{day.isoformat()}-full"
    parts = [table.slice(start, part_rows) for start in range(0, table.num_rows, part_rows)]
    groups = [parts[i:i + PARTS_PER_INNER] for i in range(0, len(parts), PARTS_PER_INNER)]
    with ThreadPoolExecutor(max_workers=2) as pool:  # zlib releases the GIL
        inners = list(pool.map(lambda g: inner_zip(stem, g[0], g[1], level), enumerate(groups)))
    path = write_dump(out, stem, inners)
    truth = {"dump": path.name, "day": day.isoformat(), "rows": int(table.num_rows), "statements": len(drawn),
             "counts": true_counts(drawn).values.tolist()}
    path.with_name(path.name + ".truth.json").write_text(json.dumps(truth, default=int))
    return path
