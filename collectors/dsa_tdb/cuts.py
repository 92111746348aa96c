"""The long-form counts of a dump, from its counts per raw-field combination, as one SQL text in DuckDB's or Spark's
dialect: platform_name, category, cut, val, n. `cut` is '' for the total of a platform and category; otherwise the
field (decision_ground, content_type, ...) and `val` its value."""
from __future__ import annotations

from collectors.dsa_tdb.layout import LIST_CUTS, SCALAR_CUTS

RESULT_COLUMNS = ["platform_name", "category", "cut", "val", "n"]
NO_VALUE = "none"

EU27 = sorted("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
EEA = sorted(EU27 + ["IS", "LI", "NO"])
EEA_NO_IS = sorted(EU27 + ["LI", "NO"])

# The few functions whose names differ between the two SQL dialects.
DIALECTS = {
    "duckdb": {"split": "string_split", "explode": "unnest"},
    "spark": {"split": "split", "explode": "explode"},
}


def cuts_sql(dialect: str, table: str = "g") -> str:
    """Counts per platform and category, and per value of every cut, from counts per raw-field combination
    (`table`: the columns of layout.RAW and n). The string work on JSON arrays runs on those few thousand groups,
    never on every statement."""
    f = DIALECTS[dialect]

    def items(column: str) -> str:
        # A JSON array of strings in one cell: '["A","B"]' -> ['A', 'B'] (['none'] when empty or missing).
        return (f"CASE WHEN {column} IS NULL OR length({column}) <= 4 THEN {f['split']}('{NO_VALUE}', ',') "
                f"ELSE {f['split']}(substring({column}, 3, length({column}) - 4), '\",\"') END")

    def json(codes: list[str]) -> str:
        return '[' + ','.join(f'"{c}"' for c in codes) + ']'

    # Territorial scope collapsed as shantay does: the whole EEA, the EEA without Iceland, the EU27; else states.
    # The database writes these lists in alphabetical order, so the collapse compares the cell as written.
    scope = (f"CASE territorial_scope WHEN '{json(EEA)}' THEN {f['split']}('EEA', ',') "
             f"WHEN '{json(EEA_NO_IS)}' THEN {f['split']}('EEA_no_IS', ',') "
             f"WHEN '{json(EU27)}' THEN {f['split']}('EU', ',') ELSE {items('territorial_scope')} END")

    def present(column: str) -> str:
        return f"({column} IS NOT NULL AND length({column}) > 0 AND {column} <> '[]')"

    decision_type = ("coalesce(nullif(concat_ws('_', "
                     + ", ".join(f"CASE WHEN {present(c)} THEN '{short}' END" for c, short in (
                         ("decision_visibility", "vis"), ("decision_monetary", "mon"),
                         ("decision_provision", "pro"), ("decision_account", "acc")))
                     + "), ''), 'is_null')")
    keys = "platform_name, category"
    selects = [f"SELECT {keys}, '' AS cut, '' AS val, n FROM {table}"]
    selects += [f"SELECT {keys}, '{c}', coalesce(nullif({c}, ''), '{NO_VALUE}'), n FROM {table}" for c in SCALAR_CUTS]
    selects.append(f"SELECT {keys}, 'decision_type', {decision_type}, n FROM {table}")
    selects += [f"SELECT {keys}, '{c}', {f['explode']}({items(c)}), n FROM {table}" for c in LIST_CUTS]
    selects.append(f"SELECT {keys}, 'territorial_scope', {f['explode']}({scope}), n FROM {table}")
    union = "\n UNION ALL ".join(selects)
    return f"""
        WITH cuts AS ({union})
        SELECT platform_name, category, cut, val, CAST(sum(n) AS BIGINT) AS n FROM cuts
        GROUP BY platform_name, category, cut, val"""
