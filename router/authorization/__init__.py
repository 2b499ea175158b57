"""Router authorization: what a caller may see of the supergraph, decided before planning."""

from router.authorization.errors import (
    UNAUTHORIZED_FIELD_OR_TYPE,
    Removal,
    errors_for,
    unauthorized_error,
)
from router.authorization.filter import FilteredOperation, filter_operation
from router.authorization.permissions import Permissions, PolicyEvaluator, permissions_for

__all__ = [
    "UNAUTHORIZED_FIELD_OR_TYPE",
    "FilteredOperation",
    "Permissions",
    "PolicyEvaluator",
    "Removal",
    "errors_for",
    "filter_operation",
    "permissions_for",
    "unauthorized_error",
]
