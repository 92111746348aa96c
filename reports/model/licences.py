"""Licences as sources state them: recognised where they name a known licence, repeated verbatim otherwise, and
never claimed on a source's behalf."""
from __future__ import annotations

import math
import re

from reports.model.schema import NO_LICENCE

# Licences we recognise in a source card's words: (pattern, SPDX id, title, URL). Anything else a card says
# is repeated verbatim; a card that states none (or says so) gives NO_LICENCE, never a guess.
KNOWN_LICENCES = (
    (r"\bcc[- ]?by[- ]?4\.0\b|creative commons attribution 4\.0", "CC-BY-4.0",
     "Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    (r"\bcc[- ]?by[- ]?sa[- ]?4\.0\b", "CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International",
     "https://creativecommons.org/licenses/by-sa/4.0/"),
    (r"\bcc0\b|public domain dedication", "CC0-1.0", "Creative Commons Zero v1.0 Universal",
     "https://creativecommons.org/publicdomain/zero/1.0/"),
    (r"\bapache[- ]?(license )?2\.0\b|\bapache-2\.0\b", "Apache-2.0", "Apache License 2.0",
     "https://www.apache.org/licenses/LICENSE-2.0"),
    (r"\bodbl\b|open database license", "ODbL-1.0", "Open Data Commons Open Database License v1.0",
     "https://opendatacommons.org/licenses/odbl/1-0/"),
    (r"^mit\b|\bmit license\b", "MIT", "MIT License", "https://opensource.org/license/mit"),
)


_NO_LICENCE_PATTERN = re.compile(r"^\s*$|^(no|none)\b|\bnot stated\b|\bno (open )?licen[cs]e\b|\bunknown\b", re.I)


# -- licences ------------------------------------------------------------------------------------------
def known_licences(text: str | None) -> list[dict]:
    """The recognised licences a source card states ({name, title, path} each); none when it states none."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or _NO_LICENCE_PATTERN.search(str(text)):
        return []
    return [{"name": name, "title": title, "path": url} for pattern, name, title, url in KNOWN_LICENCES
            if re.search(pattern, str(text), re.I)]


def licence_statement(text: str | None) -> str:
    """What an export says about a source's licence: 'no licence stated' where the card states none, the SPDX id
    where the card names exactly that licence, else the card's own words (e.g. two licences for two layers)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or _NO_LICENCE_PATTERN.search(str(text)):
        return NO_LICENCE
    licences = known_licences(text)
    if len(licences) == 1 and len(str(text).strip()) <= 40:
        return licences[0]["name"]
    return " ".join(str(text).split())
