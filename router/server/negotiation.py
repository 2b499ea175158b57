"""Content negotiation for GraphQL over HTTP: which media type the response uses."""

from __future__ import annotations

from dataclasses import dataclass

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
TEXT_HTML = "text/html"
_SUPPORTED = (GRAPHQL_RESPONSE_JSON, APPLICATION_JSON)


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    quality: float
    order: int

    def matches(self, media_type: str) -> bool:
        if self.type in ("*/*", media_type):
            return True
        main, _, sub = self.type.partition("/")
        return sub == "*" and media_type.startswith(main + "/")

    @property
    def specificity(self) -> int:
        if self.type == "*/*":
            return 0
        return 1 if self.type.endswith("/*") else 2


def parse_accept(header: str) -> list[MediaRange]:
    ranges: list[MediaRange] = []
    for order, part in enumerate(header.split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(media, quality, order))
    return ranges


def _match(ranges: list[MediaRange], media_type: str) -> MediaRange | None:
    """The range that decides ``media_type``'s quality: the most specific one matching it."""
    best: MediaRange | None = None
    for media_range in ranges:
        if media_range.matches(media_type) and (
            best is None or media_range.specificity > best.specificity
        ):
            best = media_range
    return best


def choose_response_type(accept: str | None) -> str | None:
    """The response media type for ``accept``; None when the client accepts neither JSON type.

    No Accept header means ``application/json`` (legacy clients). Wildcards alone
    (``*/*``, ``application/*``) also answer ``application/json``; a client that names
    ``application/graphql-response+json`` at least as highly as JSON gets it.
    """
    if not accept or not accept.strip():
        return APPLICATION_JSON
    ranges = parse_accept(accept)
    graphql_range = _match(ranges, GRAPHQL_RESPONSE_JSON)
    json_range = _match(ranges, APPLICATION_JSON)
    graphql_q = graphql_range.quality if graphql_range else 0.0
    json_q = json_range.quality if json_range else 0.0
    if graphql_q <= 0 and json_q <= 0:
        return None
    if graphql_q > json_q:
        return GRAPHQL_RESPONSE_JSON
    if json_q > graphql_q:
        return APPLICATION_JSON
    assert graphql_range is not None
    return GRAPHQL_RESPONSE_JSON if graphql_range.specificity == 2 else APPLICATION_JSON


def prefers_html(accept: str | None) -> bool:
    """True for a browser navigating to the endpoint (text/html accepted before JSON)."""
    if not accept:
        return False
    ranges = parse_accept(accept)
    html = [r for r in ranges if r.type == TEXT_HTML and r.quality > 0]
    if not html:
        return False
    json_ranges = [r for r in ranges if r.type in _SUPPORTED and r.quality > 0]
    return not json_ranges or html[0].quality >= max(r.quality for r in json_ranges)
