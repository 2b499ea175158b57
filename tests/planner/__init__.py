"""Query planner tests: stages, features on small supergraphs, and plan snapshots."""
