"""The model: what a figure is. The schema, vocabularies and mappings, periods, numbers, selections, licences and documents."""
