"""The query planner: operation + supergraph → QueryPlan."""
