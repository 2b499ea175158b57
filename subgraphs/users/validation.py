"""Input rules for creating users."""

from __future__ import annotations

import re
from dataclasses import dataclass

from subgraphs.shared.errors import bad_user_input

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    name: str


def validate_new_user(email: str, name: str) -> NewUser:
    """Normalised input (trimmed name, lower-case email), or a BAD_USER_INPUT error."""
    normalised_email = email.strip().lower()
    if len(normalised_email) > MAX_EMAIL_LENGTH or not _EMAIL.match(normalised_email):
        raise bad_user_input(f"{email!r} is not a valid email address", field="email")
    trimmed_name = name.strip()
    if not trimmed_name:
        raise bad_user_input("name must not be empty", field="name")
    if len(trimmed_name) > MAX_NAME_LENGTH:
        raise bad_user_input(f"name must be at most {MAX_NAME_LENGTH} characters", field="name")
    return NewUser(email=normalised_email, name=trimmed_name)
