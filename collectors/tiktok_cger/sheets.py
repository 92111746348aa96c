"""One sheet of a TikTok XLSX edition read by its layout: a header row, leading columns of labels that name each row
(quarter-end dates, policies, markets with their ISO codes), then columns of figures named by their headers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from collectors.tiktok_cger.cells import (
    Grid,
    is_number,
    key_kind,
    month_ending,
    period_in,
    quarter_ending,
    share_known,
    whole_period,
)
from collectors.tiktok_cger.source import Reading, label_mapping
from reports.model.periods import Period
from reports.model.schema import format_breakdown, repr_value

# A leading rank column ('Rank', '#') numbers the rows but names nothing: the labels follow it.
RANK = re.compile(r"rank(ing)?|#|no\.?|n°", re.I)


def sheet_rows(title: str, grid: Grid, latest: Period, reading: Reading) -> list[dict]:
    """One sheet's printed values as long-table rows, each locating its cell."""
    sheets = label_mapping("xlsx_sheets")
    listed = title in sheets
    sheet = Sheet.locate(title, grid, sheets.lookup(title) if listed else {}, listed, reading)
    if sheet is None or not sheet.find_keys(reading):
        return []
    sheet.read_layout(latest, reading)
    out = []
    for i in sheet.data:
        out += sheet.row_figures(i, reading)
    if out and not listed:
        sheets.lookup(title, file=reading.doc.path, place=f"sheet {title!r}")  # recorded: a sheet xlsx_sheets.csv omits
    return out


@dataclass
class Sheet:
    """One sheet's table: its header row, the data rows below it, the leading columns of labels that name each row
    (`first` to `keys`, after a rank column) with what each holds (`kinds`), and the columns of figures (`columns`:
    what each one's figures are, read from its header). `spec` is its row of xlsx_sheets.csv ({} when unlisted)."""

    title: str
    grid: Grid
    spec: dict
    listed: bool
    header: list
    titles: list
    data: list[int]
    width: int
    first: int = 0
    keys: int = 0
    kinds: list[str] = field(default_factory=list)
    columns: dict[int, dict] = field(default_factory=dict)
    period: Period | None = None  # the sheet's period where no column of dates gives each row's
    undated: bool = False  # the sheet states no period: read as the workbook's latest quarter
    monthly: bool = False  # its dates are months' last days, not quarters'
    policy_type: str = ""  # the policy type of the policies its label columns name
    fixed: dict = field(default_factory=dict)  # what every row of the sheet says before its own labels
    places: list[int] = field(default_factory=list)  # its columns of market (or language) names, the best known first

    @classmethod
    def locate(cls, title: str, grid: Grid, spec: dict, listed: bool, reading: Reading) -> Sheet | None:
        """The table in a sheet: its first row of two cells or more is the header, rows above it are titles."""
        rows = grid.rows
        filled = [i for i, row in enumerate(rows) if any(v is not None for v in row)]
        h = next((i for i in filled if sum(v is not None for v in rows[i]) >= 2), None)
        if h is None:
            if filled:
                reading.skip(f"sheet {title!r}", "no table (no header row over figures): not imported")
            return None
        titles = [v for i in filled if i < h for v in rows[i] if v is not None]
        data = [i for i in filled if i > h]
        width = max(len(rows[i]) for i in [h, *data])
        return cls(title, grid, spec, listed, rows[h], titles, data, width)

    def cells(self, c: int) -> list:
        """The printed cells of a column below the header."""
        rows = self.grid.rows
        return [rows[i][c] for i in self.data if c < len(rows[i]) and rows[i][c] is not None]

    def head(self, c: int):
        """A column's header (None where none is printed)."""
        return self.header[c] if c < len(self.header) else None

    def of_kind(self, *kinds: str) -> list[int]:
        """The leading label columns holding one of these kinds of labels."""
        return [c for c in range(self.keys) if self.kinds[c] in kinds]

    def find_keys(self, reading: Reading) -> bool:
        """The leading columns of labels (no figure in them) and what each holds; False (listed) when there are none."""
        self.first = 1 if self.width > 1 and RANK.fullmatch(str(self.head(0) or "").strip()) else 0
        self.keys = self.first
        while self.keys < self.width and self.cells(self.keys) and not any(is_number(v) for v in self.cells(self.keys)):
            self.keys += 1
        if not self.data or self.keys == self.first:
            if any(is_number(v) for i in self.data for v in self.grid.rows[i]):
                reading.skip(f"sheet {self.title!r}",
                             "no column of labels (dates, policies or markets) names its rows: not imported")
            return False
        self.kinds = ["rank"] * self.first + [key_kind(self.head(c), self.cells(c), self.spec)
                                              for c in range(self.first, self.keys)]
        return True

    def place_columns(self) -> list[int]:
        """The columns of market (or language) names: where most names are known first, in order on a tie."""
        markets, languages = label_mapping("countries"), label_mapping("languages")
        return sorted(self.of_kind("market", "language"),
                      key=lambda c: -max(share_known(self.cells(c), markets), share_known(self.cells(c), languages)))

    def read_layout(self, latest: Period, reading: Reading) -> None:
        """What the sheet's layout says of every row: its period, policy type and fixed labels, and its columns."""
        dated = self.of_kind("date")
        if dated:  # dates that are all months' last days, not all quarters', are months (never read as quarters)
            stamps = [v for v in self.cells(dated[0]) if isinstance(v, datetime | date)]
            self.monthly = bool(stamps) and not all(map(quarter_ending, stamps)) and all(map(month_ending, stamps))
        else:
            stated = [*(self.head(c) for c in range(self.keys)), *self.titles, self.title]
            self.period = next((p for p in map(period_in, stated) if p), None)
            if self.period is None:
                self.period, self.undated = latest, self.spec.get("layout") not in ("by_market", "by_subpolicy")
        self.places = self.place_columns()
        self.policy_type = self.policy_type_of_labels()
        spec = self.spec
        self.fixed = {"metric": spec.get("tiktok_metric") or "", "policy_type": spec.get("policy_type") or "All",
                      "issue": "All", "task_type": spec.get("task_type") or "All", "task": spec.get("task") or "All",
                      "location": "All", "market": "All", "code": "",
                      "extra": "" if self.listed else format_breakdown({"sheet": self.title})}
        self.columns = self.value_columns(reading)
        if self.undated and any("when" not in column for column in self.columns.values()):
            reading.note(f"sheet {self.title!r} states no period: read as the workbook's latest quarter ({latest.label})")

    def policy_type_of_labels(self) -> str:
        """The policy type of the rows' policy labels: xlsx_sheets.csv's, else Policy (Sub-policy under two levels)."""
        nested = len(self.of_kind("label")) > 1
        policy_type = self.spec.get("policy_type") or ("Sub-policy" if nested else "Policy")
        policy_types = label_mapping("policy_types")
        if nested and policy_type in policy_types and policy_types.lookup(policy_type)["level"] == "policy":
            policy_type = "Sub-policy"
        return policy_type

    def value_columns(self, reading: Reading) -> dict[int, dict]:
        """What each column of figures holds, from its header: a series of xlsx_series.csv, a period (of the sheet's
        measure), a policy (of the measure the sheet names, or one its columns name), else a measure verbatim."""
        series, policies = label_mapping("xlsx_series"), label_mapping("policy_areas")
        # what the sheet measures where its columns name policies or periods: its printed heading, else its title
        measure = self.spec.get("tiktok_metric") or next((str(t) for t in self.titles if isinstance(t, str)), self.title)
        columns: dict[int, dict] = {}
        for c in range(self.keys, self.width):
            name = self.head(c)
            if name is None:
                if self.cells(c):
                    reading.skip(f"sheet {self.title!r} column {self.grid.column_name(c)}",
                                 "figures under no header: not imported")
                continue
            text = name if isinstance(name, str) else str(name)
            if isinstance(name, str) and name in series:
                s = series.lookup(name)
                columns[c] = {"metric": s["tiktok_metric"],
                              **{k: s[k] for k in ("policy_type", "issue", "task_type", "task") if s[k]}}
            elif period := whole_period(name):
                columns[c] = {"metric": measure, "when": period}
            elif self.spec.get("tiktok_metric"):  # the sheet names the measure; its columns are policies
                columns[c] = {"issue": text}
            elif not self.listed and self.of_kind("date") and text in policies and text.casefold() != "all":
                columns[c] = {"metric": measure, "issue": text, "policy_type": "Policy"}
            else:
                columns[c] = {"metric": text}
        return columns

    def row_figures(self, i: int, reading: Reading) -> list[dict]:
        """One data row's figures as long-table rows; none (and the row listed) when its period or labels cannot be
        read."""
        row = self.grid.rows[i] + [None] * (self.width - len(self.grid.rows[i]))
        figures = any(row[c] is not None for c in self.columns)
        period = self.period
        if dated := self.of_kind("date"):
            value = row[dated[0]]
            period = (None if value is None else month_ending(value) if self.monthly and isinstance(value, datetime | date)
                      else whole_period(value))
            if period is None and figures:
                reading.skip(f"sheet {self.title!r} cell {self.grid.cell_name(dated[0], i)}",
                             f"{value!r} is not the last day of a quarter (or of a month in a monthly sheet) nor a period: "
                             "the row is not imported")
                return []
        rec = self.row_labels(row)
        if rec is None:
            if figures:
                reading.skip(f"sheet {self.title!r} row {i + 1}", "figures in a row no label names: not imported")
            return []
        out = []
        for c, column in self.columns.items():
            if (value := row[c]) is None:
                continue
            cell = dict(rec, period=column.get("when", period), **{k: v for k, v in column.items() if k != "when"})
            cell.update(result=value if isinstance(value, str) else
                        repr_value(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value),
                        pct=(i, c) in self.grid.pct, place=f"sheet {self.title!r} cell {self.grid.cell_name(c, i)}")
            out.append(cell)
        return out

    def row_labels(self, row: list) -> dict | None:
        """What a row's leading labels say (its policy, its market or language); None when it has policy label columns
        but prints no label in them."""
        rec = dict(self.fixed)
        if labels := self.of_kind("label"):
            named = [row[c] for c in labels if row[c] is not None]
            if not named:
                return None
            rec.update(policy_type=self.policy_type,
                       issue=str(row[labels[-1]] if row[labels[-1]] is not None else named[-1]))
        places, codes = self.places, self.of_kind("code")
        if places or codes:
            name = next((str(row[c]) for c in places if row[c] is not None), "")
            code = next((str(row[c]) for c in codes if row[c] is not None), "")
            kind = self.kinds[places[0]] if places else "market"
            rec.update(location="Language" if kind == "language" else "Market", market=name or code, code=code)
        return rec
