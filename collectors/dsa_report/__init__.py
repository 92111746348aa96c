"""EU DSA harmonised transparency reports of any service: CSV parts, a ZIP of them, or an XLSX."""
from collectors.dsa_report.parser import DSAReport

COLLECTOR = DSAReport()
