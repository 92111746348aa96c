"""Collectors: one folder per source (its parser, card, label mappings and download plan), registered in
collectors/registry.py; each a pure parser from published files to observations."""
from collectors.registry import REGISTRY

__all__ = ["REGISTRY"]
