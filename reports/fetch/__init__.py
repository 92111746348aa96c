"""Fetch: the only code that touches the network. HTTP, the snapshot archive and collect plans."""
