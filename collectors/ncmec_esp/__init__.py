"""NCMEC's CyberTipline reports by electronic service provider: one text PDF per year."""
from collectors.ncmec_esp.parser import NcmecESP

COLLECTOR = NcmecESP()
