"""TikTok's Community Guidelines Enforcement Report: XLSX and CSV editions, read by their structure."""
from collectors.tiktok_cger.parser import TikTokCGER

COLLECTOR = TikTokCGER()
