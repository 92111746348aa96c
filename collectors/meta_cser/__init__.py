"""Meta's Community Standards Enforcement Report (Facebook, Instagram): the full-history CSV of every edition."""
from collectors.meta_cser.parser import MetaCSER

COLLECTOR = MetaCSER()
