"""The users subgraph: owns the User entity."""
