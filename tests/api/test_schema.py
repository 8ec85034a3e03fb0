"""schema.graphql is exported from the code and honours the dashboard contract."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)
from strawberry.printer import print_schema

from api.graphql.schema import schema

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "contract"
# The contract lives beside the repository on developer machines; CI keeps one copy in the tests. This
# round's contract (schema-round2.graphql) is the first one with every field added, so it is the copy
# kept; `test_this_rounds_contract_keeps_the_first` shows it still holds all of the first round's.
CONTRACT = SHARED / "schema-round2.graphql"
FIRST_CONTRACT = SHARED / "schema.graphql"
CONTRACT_COPY = ROOT / "tests" / "api" / "contract.graphql"
OURS = ROOT / "schema.graphql"


def test_schema_file_matches_the_code():
    exported = print_schema(schema).strip()
    committed = OURS.read_text().strip()
    assert exported == committed, (
        "schema.graphql is out of date: run `strawberry export-schema api.graphql.schema:schema --output schema.graphql`"
    )


def contract_differences(contract_sdl: str, ours_sdl: str) -> list[str]:
    """Everything the contract declares must exist in ours with the same type, args and defaults."""
    contract, ours = build_schema(contract_sdl), build_schema(ours_sdl)
    problems = []
    for name, wanted in contract.type_map.items():
        if name.startswith("__"):
            continue
        have = ours.type_map.get(name)
        if have is None or type(have) is not type(wanted):
            problems.append(f"type {name}")
            continue
        if isinstance(wanted, GraphQLEnumType):
            problems += [f"{name}.{v}" for v in wanted.values if v not in have.values]
        if isinstance(wanted, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in wanted.fields.items():
                mine = have.fields.get(field_name)
                if mine is None or str(mine.type) != str(field.type):
                    problems.append(f"{name}.{field_name}")
                    continue
                for arg_name, arg in getattr(field, "args", {}).items():
                    theirs = mine.args.get(arg_name)
                    if theirs is None or str(theirs.type) != str(arg.type) or theirs.default_value != arg.default_value:
                        problems.append(f"{name}.{field_name}({arg_name})")
        if isinstance(wanted, GraphQLObjectType):
            problems += [
                f"{name} implements {i.name}"
                for i in wanted.interfaces
                if i.name not in {h.name for h in have.interfaces}
            ]
    return problems


def the_contract() -> str:
    return CONTRACT.read_text() if CONTRACT.exists() else CONTRACT_COPY.read_text()


def test_everything_in_the_contract_is_served():
    assert contract_differences(the_contract(), OURS.read_text()) == []


def test_contract_copy_is_current():
    if CONTRACT.exists():
        assert CONTRACT_COPY.read_text() == CONTRACT.read_text()


def test_this_rounds_contract_keeps_the_first():
    # Only where the shared folder is (developer machines): the first round's contract is not copied.
    if FIRST_CONTRACT.exists():
        assert contract_differences(FIRST_CONTRACT.read_text(), the_contract()) == []


def test_the_check_catches_a_renamed_field():
    broken = OURS.read_text().replace("  retainedCount: Int!", "  retained: Int!", 1)
    assert "Partnership.retainedCount" in contract_differences(the_contract(), broken)
