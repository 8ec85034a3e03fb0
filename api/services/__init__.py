"""Use cases: what a mutation or a cluster event does. The same functions serve both."""
