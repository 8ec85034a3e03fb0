"""The partnership rules as plain, I/O-free code.

Everything here is deterministic: callers pass the current state and the time, and get a new
state or a `RuleViolation`. The store persists what these functions decide; the GraphQL layer
and the event worker only translate.
"""
