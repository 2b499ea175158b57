"""The executor: runs a QueryPlan against the subgraphs and shapes the response."""
