"""The `tatlas` command line: thin commands over `reports`, `collectors` and `dashboard`."""
