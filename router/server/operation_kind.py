"""The kind of operation a GET request would run, so mutations over GET can be refused."""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse


@lru_cache(maxsize=1024)
def operation_kind(query: str, operation_name: str | None) -> str | None:
    """``"query"``, ``"mutation"`` or ``"subscription"``; None when it cannot be told.

    Documents that do not parse, or name no single operation, are left to the gateway,
    which reports the precise error.
    """
    try:
        document = parse(query, no_location=True)
    except GraphQLSyntaxError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    if len(operations) != 1:
        return None
    return operations[0].operation.value
