"""What names say: a file's or sheet's name gives its part's number, the report it belongs to (the text before the
number) and the surface it is for (what follows the part's name, `_Ads`); a service's name gives its platform."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from collectors.dsa_report.tables import Report, Table, flat, label_mapping
from reports.model import vocab
from reports.model.periods import period_from_name

# The template's own file names (`4_notices.csv`, `..._Part_10_AMAR.csv`) and filers' spellings of them
# (`10. AMAR.csv`, `3_member_states_order.csv`, `9_human resources.csv`), longest first: after the part's number and
# name, the rest of a file or sheet name (`_Ads`, ` - Ads`, ` (Ads)`) names the surface a table is for.
PART_STEMS = {1: ("report identification", "summary"), 2: ("categories names", "category names", "categories"),
              3: ("member states orders", "member state orders", "member states order", "member states"),
              4: ("notices",), 5: ("own initiative illegal",), 6: ("own initiative tc",),
              7: ("appeals and recidivism",), 8: ("automated means",), 9: ("human resources",), 10: ("amar",),
              11: ("qualitative",)}
# A part's number before its name: `4_`, `10. `, `10 `, `4: `, `4 - `.
PART_NUMBER = re.compile(r"(?<![0-9])(\d{1,2})(_|[.:]\s*|\s*[-–]\s*|\s+)")
# Words a name may end with that do not name a surface: a copy number, a draft, a period, or a version (Amazon
# publishes `6_own_initiative_TC_version2.csv` beside `6_own_initiative_TC.csv`: the later version stands).
VERSION = re.compile(r"^(?:v|ver|version|rev|revision)[\s._-]*(\d+)$|^(updated|corrected|revised|amended)$", re.I)
NAME_NOISE = re.compile(r"^(\d+|copy|kopie|final|draft|[hq]\d|s\d)$", re.I)
# Legal-form words a service or provider name may carry ("Pinterest Europe Limited" is Pinterest).
LEGAL_FORM = re.compile(r"[\s,]+(limited|ltd\.?|inc\.?|llc|l\.l\.c\.|plc|b\.\s?v\.?|n\.\s?v\.?|gmbh|ag|se|s\.?a\.?|s\.?a\.?s\.?|"
                        r"s\.?(a|à)\.?\s?r\.?\s?l\.?|s\.?r\.?l\.?|unlimited company|ulc|company|co\.?|ireland|europe|eu|"
                        r"international|technology|technologies)$", re.I)


@dataclass(frozen=True)
class PartName:
    """What a file or sheet name says: the text before the part's number, the number, and what follows the
    template's name of the part (None where the name does not use the template's name)."""

    prefix: str
    part: int
    suffix: str | None


def part_name(stem: str) -> PartName | None:
    """`DSA report - 6_own_initiative_TC_Ads` -> prefix 'DSA report - ', part 6, suffix '_Ads'; `Pinterest - H2 DSA
    Transparency Report - 10. AMAR` and `... H2 2025 - Part 10 - AMAR` -> part 10. A number followed by `_` but
    not by a part's name gives the part without a suffix (the last such number); other numbers ('H1 2026') are
    not parts. Without a number, the template's name of a part names it (`Snapchat - AMAR`)."""
    fallback = None
    for m in PART_NUMBER.finditer(stem):
        number = int(m[1])
        if number not in PART_STEMS:
            continue
        rest = stem[m.end():]
        rest = rest[re.match(r"[\s_\-–.:]*", rest).end():]  # 'Part 10 - AMAR', 'Part 4: Notices'
        for words in PART_STEMS[number]:
            if hit := re.match(r"[\s_\-.]*".join(map(re.escape, words.split())) + r"(?![A-Za-z])", rest, re.I):
                return PartName(stem[:m.start()], number, rest[hit.end():])
        if m[2] == "_" and not (m.start() and stem[m.start() - 1].isalpha()):
            fallback = PartName(stem[:m.start()], number, None)
    return fallback or _unnumbered(stem)


def _unnumbered(stem: str) -> PartName | None:
    """A part named by the template's words alone, with no number ('Notices', 'Snapchat - AMAR', 'Appeals and
    recidivism (Ads)'): the longest such name in the stem that stands as words of their own."""
    found = None
    for number, names in PART_STEMS.items():
        for words in names:
            pattern = r"(?<![A-Za-z0-9])" + r"[\s_\-.]*".join(map(re.escape, words.split())) + r"(?![A-Za-z])"
            for hit in re.finditer(pattern, stem, re.I):
                if found is None or hit.end() - hit.start() > found[1].end() - found[1].start():
                    found = (number, hit)
    if found is None:
        return None
    number, hit = found
    return PartName(stem[:hit.start()], number, stem[hit.end():])


def name_words(text: str) -> str:
    """A name's tail without the separators and brackets around it: ' - Ads', '_Ads', ' (Ads)' -> 'Ads'."""
    return " ".join(text.strip(" _-–.()[]{}").split())


@functools.cache
def surface_labels() -> dict[str, str]:
    """The surface words of `surfaces.csv` (normalised) and the surface each names."""
    mapping = label_mapping("surfaces")
    return {flat(label): row["surface"] for label, row in mapping.rows.items()}


def surface_of(words: str, table: Table, report: Report) -> str:
    """The surface a name's tail names: from surfaces.csv, else (recorded as unmapped) a slug of the words; none
    for a copy number, version or period (`(1)`, `_v2`, `_2025-H2`) or the service's own name (`_YouTube`)."""
    words = name_words(words)
    tokens = [t for t in re.split(r"[\s_\-–()]+", words) if t]
    if not tokens or all(NAME_NOISE.match(t) or VERSION.match(t) for t in tokens) or period_from_name(words) is not None:
        return ""
    if vocab.slugify(words) in (report.platform, vocab.slugify(report.service)) or known_platform(words) == report.platform:
        return ""
    if flat(words) in surface_labels():
        return surface_labels()[flat(words)]
    row = label_mapping("surfaces").lookup(words, file=table.doc.path, place=table.where())
    return row["surface"] if not row.get("unmapped") else (vocab.slugify(words) or "other")


def trailing_surface(label: str) -> str | None:
    """A surface word of surfaces.csv ending a name that does not follow the template's part names (a sheet
    'Meldungen (Ads)', 'Notices - Ads'), else None."""
    tails = []
    if m := re.search(r"[(\[]([^()\[\]]+)[)\]]\s*$", label):
        tails.append(m[1])
    if m := re.search(r"(?:^|[\s_\-–])([^\s_\-–()\[\]]+)\s*$", label):
        tails.append(m[1])
    for tail in tails:
        if flat(tail) in surface_labels() and flat(tail) != flat(label):
            return surface_labels()[flat(tail)]
    return None


def version_of(table: Table) -> int:
    """The version a table's name states (`_version2`, `_v3`, `_updated`: 2 and up), else 1."""
    named = part_name(table.label)
    tail = named.suffix if named is not None and named.suffix is not None else table.label
    version = 1
    for token in re.split(r"[\s_\-–()]+", tail):
        if m := VERSION.match(token):
            version = max(version, int(m[1]) if m[1] else 2)
    return version


def assign_surfaces(tables: list[Table], report: Report) -> None:
    """Set each table's surface from its name: the tail after the template's part name (`6_own_initiative_TC_Ads`),
    a surface word ending the name (`Meldungen (Ads)`), or what its name adds to another table's of the same part
    (`Eigeninitiative AGB` and `Eigeninitiative AGB Werbung`)."""
    for table in tables:
        if table.part is None or table.part == 1:
            continue
        named = part_name(table.label)
        if named is not None and named.suffix is not None:
            table.surface = surface_of(named.suffix, table, report)
            continue
        if (surface := trailing_surface(table.label)) is not None:
            table.surface = surface
            continue
        for other in tables:
            if other is not table and other.part == table.part and other.label \
                    and table.label.casefold().startswith(other.label.casefold()) and len(table.label) > len(other.label):
                table.surface = surface_of(table.label[len(other.label):], table, report)
                break


def name_forms(name: str) -> list[str]:
    """A service or provider name, then the same without legal-form words ('Pinterest Europe Limited' ->
    'Pinterest Europe' -> 'Pinterest')."""
    forms = [" ".join(name.split())]
    while (shorter := LEGAL_FORM.sub("", forms[-1]).strip(" ,")) and shorter != forms[-1]:
        forms.append(shorter)
    return forms


def known_platform(name: str) -> str | None:
    """The platform a service name maps to in platforms.csv (tolerating case, spacing and legal-form words)."""
    mapping = label_mapping("platforms")
    for form in name_forms(name):
        if form in mapping:
            return mapping.lookup(form)["platform"]
    return None


def platform_of(label: str, *, file, place) -> str:
    """The platform a service is, or (recorded as unmapped, field platforms) a slug of its name without legal-form
    words ('Booking.com' -> booking-com, 'Zalando SE' -> zalando)."""
    known = known_platform(label)
    if known is not None:
        return known
    row = label_mapping("platforms").lookup(label, file=file, place=place)
    return vocab.slugify(name_forms(label)[-1]) or row["platform"]
