"""`tatlas sor synth`: a daily dump in exactly the real format, drawn from the real daily statistics, with its true counts.

Distributions come from shantay's daily statistics (`../shared/data/dsa-tdb-stats/*.parquet`) when present,
else from `sor_distributions.csv` beside this module (derived from the same statistics by `derive_table`).
Each platform is drawn by its share of statements that day; then, per platform, its category, decision ground,
decision types, automation, source type, account type, content type, visibility decision and territorial scope.
The true counts are computed here from the drawn codes with numpy (not by the engines under test) and written
as `<dump>.truth.json` beside the dump.

The dump is written part by part (one inner ZIP of at most ten parts in memory per thread), so writing one of
any size takes bounded memory. Rows look like the real ones (see ../shared/data/dsa-sor): random v4 uuids, the
same quoting (PHP's fputcsv: a field is quoted when it holds a space, a comma or a quote), free-text fields of
the real lengths (explanations and facts of a few hundred characters drawn from a pool of generated sentences),
about 800 bytes a row and a deflate ratio near the real parts' (about 8x), rather than texts that compress 17x.
"""
from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from collectors.dsa_tdb.dumps import V1_HEADER, V2_FROM, V2_HEADER
from collectors.dsa_tdb.engines import EEA, EEA_NO_IS, EU27

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
DECISIONS = {"decision_visibility": "vis", "decision_monetary": "mon", "decision_provision": "pro", "decision_account": "acc"}
DEFAULTS = {"decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED",
            "decision_monetary": "DECISION_MONETARY_SUSPENSION", "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
            "decision_account": "DECISION_ACCOUNT_SUSPENDED"}
SCOPES = {"EEA": EEA, "EEA_no_IS": EEA_NO_IS, "EU": EU27}
CUTS = ["decision_ground", "decision_monetary", "decision_provision", "decision_account", "automated_detection",
        "automated_decision", "source_type", "account_type", "decision_type", "decision_visibility", "content_type",
        "territorial_scope"]
TOP_PLATFORMS = 40
# Free texts: (mean length in characters, distinct texts in the pool), set so that rows average ~800 bytes and
# parts deflate about as well as the real sample parts (the real texts are platform templates with variations).
TEXTS = {"incompatible_content_ground": (24, 300), "incompatible_content_explanation": (90, 60),
         "decision_facts": (110, 40), "decision_visibility_other": (45, 200)}


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
    return table[table["schema"] == schema]


def quoted(values) -> list[str]:
    """Cells as PHP's fputcsv writes them (the real dumps): quoted when holding a space, comma or quote."""
    return ['"' + v.replace('"', '""') + '"' if any(c in v for c in ' ,"\n\r\t') else v for v in values]


@dataclass
class Field:
    """One drawn field: its values (index 0 = empty), per platform the cumulative weights and value codes."""

    values: list[str]
    cumulative: list[np.ndarray]
    codes: list[np.ndarray]


class Model:
    """The day's distributions as arrays, ready to draw parts from without pandas."""

    def __init__(self, day: date, shared: Path | None):
        table = distributions(day, shared)
        platforms = table[table["field"] == "platform"]
        self.platforms = list(platforms["platform"])
        weights = platforms["weight"].to_numpy(float)
        self.platform_cumulative = np.cumsum(weights / weights.sum())
        self.fields: dict[str, Field] = {}
        for name, *_ in FIELDS:
            rows = table[table["field"] == name]
            values = [""] + sorted(set(rows["value"]) - {""})
            index = {v: i for i, v in enumerate(values)}
            cumulative, codes = [], []
            for platform in self.platforms:
                own = rows[rows["platform"] == platform]
                w = own["weight"].to_numpy(float)
                cumulative.append(np.cumsum(w / w.sum()) if len(w) else np.array([1.0]))
                codes.append(np.array([index[v] for v in own["value"]] if len(w) else [0], dtype=np.int32))
            self.fields[name] = Field(values, cumulative, codes)
        self.default_category = ("STATEMENT_CATEGORY_OTHER_VIOLATION_TC" if day >= V2_FROM
                                 else "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE")

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Codes of `n` statements: `platform` and one array per field (indexes into the field's values)."""
        platform = np.minimum(np.searchsorted(self.platform_cumulative, rng.random(n)), len(self.platforms) - 1)
        order = np.argsort(platform, kind="stable")
        bounds = np.searchsorted(platform[order], np.arange(len(self.platforms) + 1))
        out = {"platform": platform.astype(np.int32)}
        for name, spec in self.fields.items():
            codes = np.zeros(n, dtype=np.int32)
            draws = rng.random(n)
            for p in range(len(self.platforms)):
                rows = order[bounds[p]:bounds[p + 1]]
                if len(rows):
                    picks = np.searchsorted(spec.cumulative[p], draws[rows])
                    codes[rows] = spec.codes[p][np.minimum(picks, len(spec.codes[p]) - 1)]
            out[name] = codes
        return out


def decision_values(model: Model) -> dict[str, list[str]]:
    """What each code of each field stands for in the CSV and in the counts, after the decision-type rules."""
    out = {}
    for name, spec in model.fields.items():
        values = list(spec.values)
        if name in DEFAULTS:
            values[0] = DEFAULTS[name]
        if name == "category":
            values[0] = model.default_category
        if name == "decision_type":
            values = [v if v not in ("", "is_null") else "is_null" for v in values]
        out[name] = values
    return out


def resolve(model: Model, drawn: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Apply decision_type: it decides which decision fields are set (-1 = empty cell), each keeping its drawn value."""
    kinds = decision_values(model)["decision_type"]
    for name, short in DECISIONS.items():
        has = np.array([short in kind.split("_") for kind in kinds])
        drawn[name] = np.where(has[drawn["decision_type"]], drawn[name], -1).astype(np.int32)
    return drawn


def cell_texts(model: Model) -> dict[str, list[str | None]]:
    """Per field, the CSV cell of each code (the last entry is the empty cell of code -1)."""
    out = {}
    for name, values in decision_values(model).items():
        if name == "territorial_scope":
            cells = ['["' + '","'.join(SCOPES.get(v, v.split(","))) + '"]' if v else None for v in values]
        elif name in LIST_FIELDS:
            cells = ['["' + v.replace(",", '","') + '"]' if v else None for v in values]
        elif name == "decision_type":
            continue
        else:
            cells = [v or None for v in values]
        out[name] = [None if c is None else quoted([c])[0] for c in cells] + [None]
    return out


def count_values(model: Model, name: str) -> list[list[str]]:
    """Per code of a field, the values it counts as (several for a list cell); [-1] = 'none'."""
    values = decision_values(model)[name]
    if name == "territorial_scope":
        full = {",".join(codes): label for label, codes in SCOPES.items()}
        out = [[full.get(v, v)] if v in SCOPES or v in full else v.split(",") for v in values]
    elif name in LIST_FIELDS:
        out = [v.split(",") for v in values]
    else:
        out = [[v] for v in values]
    return [[x or "none" for x in vs] for vs in out] + [["none"]]


def true_counts(model: Model, drawn: dict[str, np.ndarray]) -> dict[tuple[str, str, str, str], int]:
    """Counts per platform, category and cut value of distinct statements, from the drawn codes."""
    categories = decision_values(model)["category"]
    n_cat = len(categories)
    key = drawn["platform"].astype(np.int64) * n_cat + drawn["category"]
    out: dict[tuple[str, str, str, str], int] = {}

    def add(cut: str, codes: np.ndarray, meanings: list[list[str]]) -> None:
        size = len(meanings)
        found = np.bincount(key * size + (codes % size), minlength=0)
        for combined in np.flatnonzero(found):
            pc_, code = divmod(int(combined), size)
            p, c = divmod(pc_, n_cat)
            for val in meanings[code]:
                k = (model.platforms[p], categories[c], cut, val)
                out[k] = out.get(k, 0) + int(found[combined])

    add("", np.zeros(len(key), dtype=np.int32), [[""]])
    for cut in CUTS:
        add(cut, drawn[cut], count_values(model, cut))
    return out


def text_pool(kind: str, size: int, mean: int, rng: np.random.Generator) -> pa.Array:
    """Generated sentences (quoted as cells) of lengths around `mean`: a vocabulary of words, picked Zipf-like."""
    words = np.array(["".join(rng.choice(list("abcdefghijklmnoprstuvwy"), size=k)) for k in rng.integers(2, 11, 1500)])
    ranks = np.minimum(rng.zipf(1.3, size=size * (mean // 4 + 4)), len(words)) - 1
    texts, at = [], 0
    for length in np.maximum(4, rng.normal(mean, mean / 3, size)).astype(int):
        sentence = [kind]
        while sum(map(len, sentence)) + len(sentence) < length:
            sentence.append(words[ranks[at % len(ranks)]])
            at += 1
        texts.append(" ".join(sentence)[:length].rstrip() + ".")
    return pa.array(quoted(texts), pa.string())


def uuids(n: int, rng: np.random.Generator) -> pa.Array:
    """Random version-4 uuids as text, built in one buffer."""
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[rng.integers(0, 16, (n, 36), dtype=np.uint8)]
    digits[:, [8, 13, 18, 23]] = ord("-")
    digits[:, 14] = ord("4")
    digits[:, 19] = np.frombuffer(b"89ab", dtype=np.uint8)[rng.integers(0, 4, n)]
    offsets = np.arange(0, 36 * n + 1, 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(digits.tobytes()))


class Writer:
    """Turns drawn codes into CSV bytes in the dump's exact format."""

    def __init__(self, model: Model, day: date, seed: int):
        self.model = model
        self.day = day
        self.header = V2_HEADER if day >= V2_FROM else V1_HEADER
        rng = np.random.default_rng(seed + 1)
        self.cells = {name: pa.array(cells, pa.string()) for name, cells in cell_texts(model).items()}
        self.platform_cells = pa.array(quoted(model.platforms), pa.string())
        self.pools = {name: text_pool(name.split("_")[-1].capitalize(), size, mean, rng)
                      for name, (mean, size) in TEXTS.items()}
        self.languages = pa.array(["EN", "DE", "FR", "ES", "IT", "PL", "NL", None, None, None], pa.string())

    def part(self, drawn: dict[str, np.ndarray], repeat: np.ndarray, rng: np.random.Generator) -> bytes:
        """One CSV part: the header, then each drawn statement (`repeat` times: 2 = written twice, as in real dumps)."""
        n = len(repeat)
        order = pa.array(np.repeat(np.arange(n), repeat))
        day = self.day.isoformat()
        seconds = rng.integers(0, 86_400, n)
        stamp = pc.binary_join_element_wise(
            f'"{day} ', pc.utf8_lpad(pc.cast(pa.array(seconds // 3600), pa.string()), 2, "0"), ":",
            pc.utf8_lpad(pc.cast(pa.array(seconds // 60 % 60), pa.string()), 2, "0"), ":",
            pc.utf8_lpad(pc.cast(pa.array(seconds % 60), pa.string()), 2, "0"), '"', "")
        columns = {name: cells.take(pa.array(drawn[name] % len(cells))) for name, cells in self.cells.items()}
        columns.update({name: pool.take(pa.array(rng.integers(0, len(pool), n))) for name, pool in self.pools.items()})
        columns["decision_visibility_other"] = pc.if_else(pa.array(rng.random(n) < 0.2),
                                                          columns["decision_visibility_other"], None)
        columns.update({
            "uuid": uuids(n, rng), "platform_name": self.platform_cells.take(pa.array(drawn["platform"])),
            "platform_uid": pc.cast(pa.array(rng.integers(10**9, 10**15, n)), pa.string()),
            "content_language": self.languages.take(pa.array(rng.integers(0, len(self.languages), n))),
            "content_date": pa.array([f'"{day} 00:00:00"'] * n, pa.string()),
            "application_date": pa.array([f'"{day} 00:00:00"'] * n, pa.string()), "created_at": stamp,
        })
        empty = pa.nulls(n, pa.string())
        cells = [columns.get(c, empty).take(order) for c in self.header]
        lines = pc.binary_join_element_wise(*cells, ",", null_handling="replace", null_replacement="")
        lines = pc.binary_join_element_wise(lines, pa.array(["\n"] * len(order)), "")
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)  # no nulls: the rows sit back to back
        start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
        return (",".join(self.header) + "\n").encode() + lines.buffers()[2][start:end].to_pybytes()


def write_dump(out: Path, stem: str, inners) -> Path:
    """The outer ZIP of inner ZIPs (stored: they are compressed already), written as they come, and its `.sha1`."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number, data in enumerate(inners):
            archive.writestr(f"{stem}-{number:05d}.csv.zip", data)
    sha1 = hashlib.sha1()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            sha1.update(chunk)
    path.with_name(path.name + ".sha1").write_text(f"{sha1.hexdigest()}  {path.name}\n")
    return path


def synth(rows: int, day: date, out: Path, *, seed: int = 0, shared: Path | None = None, level: int = 6,
          scope: str = "global", part_rows: int = PART_ROWS) -> Path:
    """Write `sor-<scope>-<day>-full.zip` (+ .sha1) of `rows` CSV rows, some repeated verbatim, and its truth JSON."""
    model = Model(day, shared)
    writer = Writer(model, day, seed)
    stem = f"sor-{scope}-{day.isoformat()}-full"
    duplicates = max(1, rows // 50_000) if rows > 1 else 0
    starts = list(range(0, rows, part_rows))
    groups = [starts[i:i + PARTS_PER_INNER] for i in range(0, len(starts), PARTS_PER_INNER)]
    counts: dict[tuple[str, str, str, str], int] = {}
    statements = 0
    lock = threading.Lock()

    def build(number: int) -> bytes:
        nonlocal statements
        buffer = io.BytesIO()  # each part is deflated as soon as it is written: memory holds one part per thread
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
            for index, start in enumerate(groups[number]):
                size = min(part_rows, rows - start)
                # This part's share of the repeated rows; a repeat sits right after its row, never across parts.
                copies = min((start + size) * duplicates // rows - start * duplicates // rows, size // 2)
                rng = np.random.default_rng([seed, start])
                drawn = resolve(model, model.draw(size - copies, rng))
                repeat = np.ones(size - copies, dtype=np.int64)
                repeat[rng.choice(size - copies, size=copies, replace=False)] = 2
                archive.writestr(f"{stem}-{number:05d}-{index:05d}.csv", writer.part(drawn, repeat, rng))
                found = true_counts(model, drawn)
                with lock:
                    for key, n in found.items():
                        counts[key] = counts.get(key, 0) + n
                    statements += size - copies
        return buffer.getvalue()

    with ThreadPoolExecutor(max_workers=2) as pool:  # zlib and Arrow release the GIL
        def inners():
            window = 2  # at most this many inner ZIPs built ahead of the one being written
            pending = [pool.submit(build, i) for i in range(min(window, len(groups)))]
            for i in range(len(groups)):
                data = pending.pop(0).result()
                if i + window < len(groups):
                    pending.append(pool.submit(build, i + window))
                yield data
        path = write_dump(out, stem, inners())
    truth = {"dump": path.name, "day": day.isoformat(), "rows": rows, "statements": statements,
             "counts": sorted([*key, n] for key, n in counts.items())}
    path.with_name(path.name + ".truth.json").write_text(json.dumps(truth))
    return path
