"""TEMPLATE for a new source: copy this folder to `collectors/<your_source>/`, rename the id in `parser.py` and
`card.toml`, and add one line to collectors/registry.py. See the README's "Adding a source"."""
from collectors._template.parser import TemplateCollector

COLLECTOR = TemplateCollector()
