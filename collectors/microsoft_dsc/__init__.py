"""Microsoft's Digital Safety Content Report: small stacked tables in one XLSX sheet."""
from collectors.microsoft_dsc.parser import MicrosoftDSC

COLLECTOR = MicrosoftDSC()
