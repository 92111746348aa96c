"""Google's government requests to remove content: two CSVs."""
from collectors.google_gov_removals.parser import GoogleGovRemovals

COLLECTOR = GoogleGovRemovals()
