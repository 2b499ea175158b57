"""CSRF prevention: refuse requests a browser could send cross-site without a CORS preflight.

A request is safe when its ``Content-Type`` is set to something other than the three
"simple" types a plain HTML form can send, or when it carries one of the configured custom
headers (by default ``x-apollo-operation-name`` and ``apollo-require-preflight``); browsers
only send either of those after a successful CORS preflight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from router.server.errors import RequestError

SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


def is_preflighted(headers: Mapping[str, str], required_headers: Sequence[str]) -> bool:
    content_type = headers.get("content-type")
    if content_type is not None:
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type and media_type not in SIMPLE_CONTENT_TYPES:
            return True
    return any(name in headers for name in required_headers)


def check_csrf(headers: Mapping[str, str], required_headers: Sequence[str]) -> None:
    if not is_preflighted(headers, required_headers):
        names = ", ".join(required_headers)
        raise RequestError(
            400,
            "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
            "Send a 'Content-Type' header other than application/x-www-form-urlencoded, "
            f"multipart/form-data or text/plain, or a non-empty header among: {names}.",
            "CSRF_PREVENTION",
        )
