"""Validation rules, one module per rule family."""
