"""Twitch: figures transcribed by hand from its transparency report pages, which offer no data file."""
from pathlib import Path

from collectors.curated.parser import Curated

COLLECTOR = Curated(Path(__file__).parent)
