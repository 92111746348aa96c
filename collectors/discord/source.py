"""What every module of the Discord collector shares: the source's id and its label mappings
(collectors/discord/mappings/*.csv)."""
from __future__ import annotations

from pathlib import Path

from reports.model.vocab import mappings_in

SOURCE = "discord"
# This source's folder: its card, its label mappings (mappings/*.csv) and its download plan.
FOLDER = Path(__file__).resolve().parent
label_mapping = mappings_in(SOURCE, FOLDER / "mappings")
