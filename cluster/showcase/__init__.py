"""Helpers of the showcase cog (``cluster/cogs/showcase.py``): ``text`` holds the showcase's text rules
(channel-name slugs, partner-channel topics, forum titles, the message an advertisement is posted as)."""
