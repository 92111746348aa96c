"""Discord's transparency report data: stacked tables in one CSV per period."""
from collectors.discord.parser import Discord

COLLECTOR = Discord()
