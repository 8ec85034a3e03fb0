"""The GraphQL API (Strawberry): the contract in ../shared/contract/schema.graphql and additions."""
