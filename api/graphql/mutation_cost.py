"""What a mutation request costs against the rate limit: one per mutation field it runs.

Aliases run a field several times in one operation (`a: approve(…) b: approve(…)`), so counting
operations would let 30 aliased changes pass as one. A bulk field (`decideApplications`) is one field:
its own input limit bounds it.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)


def mutation_fields(document: DocumentNode, operation_name: str | None) -> int:
    """Top-level fields the mutation `operation_name` (or the only operation) selects; 0 for others."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.MUTATION:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _count(operations[0].selection_set, fragments, set())


def _count(selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]) -> int:
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            total += selection.name.value != "__typename"
        elif isinstance(selection, InlineFragmentNode):
            total += _count(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:  # a cycle is a validation error, not ours to count
                total += _count(fragments[name].selection_set, fragments, seen | {name})
    return total
