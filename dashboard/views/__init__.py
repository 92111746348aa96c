"""One module per part of the page, each with `register(app, atlas)` wiring its own callbacks:
navigation (URL <-> controls, view switch), trends, profile, crosscheck, changes, provenance."""
