"""X's Global Transparency Report: tables read from the PDF."""
from collectors.x_report.parser import XReport

COLLECTOR = XReport()
