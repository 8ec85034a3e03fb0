"""Invite tracking for join attribution: the per-guild invite-uses snapshot (``snapshot``), the
attribution rules as pure functions (``attribution``) and the per-guild batching of joins
(``batching``). Used by cluster.cogs.joins."""
