"""Query: questions asked of the store. Series, derived figures, cross-checks, profiles and provenance."""
