"""The atlas's shared core: schema, vocabularies, mappings, documents, store and exports.

Collectors and the dashboard depend on this package; it depends on neither.
"""
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

# pandera imports pyspark.pandas when pyspark is installed (the `spark` extra), and pyspark warns about pandas 3
# on import; that warning concerns pandas-on-Spark, which the atlas never uses.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


def data_home() -> Path:
    """Where the atlas keeps its store and archive by default: `$XDG_DATA_HOME/tatlas` (~/.local/share/tatlas)."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "tatlas"
