"""Helpers of the showcase cog (``cluster/cogs/showcase.py``), also used by the review cog.

- ``text``: safe clipping, channel-name slugs, invite links, the message an advertisement is posted as.
- ``problems``: Discord lookups that turn into plain-words refusals, and ``guild.warning`` events for
  configuration problems (missing permissions, deleted channels, roles), rate-limited per guild.
"""
