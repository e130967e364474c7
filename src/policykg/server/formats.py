"""Result formats of the endpoint and content negotiation (``Accept`` with q-values, RFC 9110 §12.5.1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .http import HTTPError


@dataclass(frozen=True)
class Format:
    key: str
    media_type: str  # what the response's Content-Type says
    aliases: tuple[str, ...] = ()  # other media types a client may ask for

    @property
    def content_type(self) -> str:
        if self.media_type.startswith("text/") or self.media_type in ("application/n-triples",):
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


#: SELECT / ASK results, in the server's order of preference
SOLUTION_FORMATS = (
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
#: ASK has no CSV / TSV form in the W3C note; pyoxigraph writes them, so they are offered too
BOOLEAN_FORMATS = SOLUTION_FORMATS
#: CONSTRUCT / DESCRIBE results
GRAPH_FORMATS = (
    Format("turtle", "text/turtle", ("application/x-turtle", "application/turtle")),
    Format("ntriples", "application/n-triples", ("text/plain",)),
    Format("jsonld", "application/ld+json", ("application/x-json+ld",)),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml")),
)
FORMATS = {f.key: f for f in SOLUTION_FORMATS + GRAPH_FORMATS}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    @property
    def specificity(self) -> int:
        return 0 if self.type == "*" else (1 if self.subtype == "*" else 2)

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t) and (self.subtype == "*" or self.subtype == s)


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; malformed parts are skipped, q clamped to [0, 1]."""
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            if media == "*":  # some clients send a bare '*'
                media = "*/*"
            else:
                continue
        t, _, s = media.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(t, s, q))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> tuple[float, int]:
    """The q-value the most specific matching range gives ``media_type`` (and that specificity)."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity
                                      or (r.specificity == best.specificity and r.q > best.q)):
            best = r
    return (best.q, best.specificity) if best else (0.0, -1)


def negotiate(accept: str | None, offered: Sequence[Format]) -> Format:
    """The offered format the client prefers: highest q, then most specific match, then the
    server's order. No (or an empty) Accept header means the first; nothing acceptable is a 406."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int] | None = None
    chosen: Format | None = None
    for order, fmt in enumerate(offered):
        # the most specific range naming any of the format's media types decides (application/json
        # matched by */* does not undo application/sparql-results+json;q=0)
        q, spec = max((quality(ranges, mt)[::-1] for mt in (fmt.media_type, *fmt.aliases)))[::-1]
        if q <= 0:
            continue
        key = (q, spec, -order)
        if best is None or key > best:
            best, chosen = key, fmt
    if chosen is None:
        raise HTTPError(406, "not-acceptable",
                        f"none of the result formats is acceptable ({accept}); this query can answer "
                        + ", ".join(f.media_type for f in offered))
    return chosen
