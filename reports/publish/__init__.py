"""Publish: what leaves the atlas. Exports, data packages, citations, charts and briefs."""
