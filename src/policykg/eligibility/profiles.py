"""Enterprise profiles (企业画像): the input of an eligibility question, read and checked.

A profile is the facts of one enterprise (or other applicant) under the keys of the public contract
(``../shared/design.md``, ``policykg eligibility PROFILE``) plus the keys the benefits of 青政发〔2012〕46号
need. The vocabulary is ``ontology/profile.ttl``; the input shape is ``shapes/profile.ttl``.

Readers stream: :func:`read_profiles` yields one :class:`Profile` at a time, so a batch of a million CSV
rows is never held in memory. JSON and CSV are checked here in Python (the fast path), with the same
rules as ``shapes/profile.ttl`` (a test keeps the two in step); Turtle is checked with the shape through
:func:`policykg.shapes.validate`. Bad input raises :class:`~policykg.errors.ProfileError` with one line
naming the key and where it is (``profiles.json:$[3].employees``, ``batch.csv:5``, ``batch.jsonl:7``);
a file that cannot be read at all raises :class:`~policykg.errors.LoadError`.

>>> p = profile_from_mapping({"name": "A", "industry": "retail", "employees": 8,
...                           "annual_revenue": 900000, "total_assets": "500000.50"}, location="$")
>>> p.employees, p.total_assets, p.beneficiary_kind
(8, Decimal('500000.50'), ('enterprise',))

Attestations (``attests``) are the conditions of the eligibility shapes that no profile figure decides
(``shapes/eligibility/*.ttl``, docs/eligibility.md): concept IRIs, or slugs ``{measure-slug}/{condition}``,
stored as full IRIs.

>>> profile_from_mapping({"name": "A", "industry": "retail", "employees": 8, "annual_revenue": 0,
...     "total_assets": 0, "attests": ["7-tax-deferral/special-difficulty"]}, location="$").attests
('https://w3id.org/policykg/id/condition/7-tax-deferral/special-difficulty',)
"""

from __future__ import annotations

import csv
import difflib
import json
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS, XSD

from .. import resources
from ..errors import LoadError, ProfileError
from ..namespaces import ID, INDUSTRY, PARTY, PK, SCHEME

__all__ = [
    "COMPANY_FORMS", "CONDITION", "INDUSTRIES", "KEYS", "KINDS", "MULTI_VALUED", "PROPERTIES", "REQUIRED", "Profile", "conditions",
    "party_kinds",
    "profile_from_mapping", "read_csv", "read_json", "read_jsonl", "read_profiles", "read_turtle",
]

#: the 16 industry codes of the contract (skos:notation of the concepts of scheme:industries)
INDUSTRIES: tuple[str, ...] = (
    "agriculture", "industrial", "construction", "wholesale", "retail", "transport", "warehousing",
    "postal", "accommodation", "catering", "information_transmission", "software_it_services",
    "real_estate_development", "property_management", "leasing_business_services", "other",
)
#: values of company_form (pk:companyForm)
COMPANY_FORMS: tuple[str, ...] = ("domestic", "one-person", "foreign-invested", "individual-business", "other")
#: keys every profile must have (the contract's size-class keys and the name)
REQUIRED: tuple[str, ...] = ("name", "industry", "employees", "annual_revenue", "total_assets")

_KINDS: dict[str, str] = {  # key -> kind of value, in the order of Profile's fields
    "name": "text", "industry": "industry", "employees": "count", "annual_revenue": "money",
    "total_assets": "money", "annual_taxable_income": "money", "high_tech_certified": "bool",
    "restricted_industry": "bool", "beneficiary_kind": "parties", "established_on": "date",
    "months_since_establishment": "count", "monthly_sales": "money", "monthly_turnover": "money",
    "registered_capital": "money", "company_form": "form", "graduates_hired": "count",
    "graduates_trained": "count", "hard_to_employ_hired": "count", "rd_expenses_expensed": "money",
    "rd_expenses_capitalised": "money", "technology_transfer_income": "money",
    "technology_service_income": "money", "guarantee_business_volume": "money",
    "guarantee_business_growth": "money", "financial_leasing_amount": "money", "attests": "conditions",
}
#: every key a profile may have, in a fixed order
KEYS: tuple[str, ...] = tuple(_KINDS)
#: key -> kind of value: text, industry, count, money, bool, parties, date, form, conditions (read-only)
KINDS: Mapping[str, str] = MappingProxyType(_KINDS)
#: the keys whose record value is a tuple of values (the others hold one value or None)
MULTI_VALUED: frozenset[str] = frozenset(k for k, kind in _KINDS.items() if kind in ("parties", "conditions"))


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


_ALL_KEYS = operator.attrgetter(*KEYS)

#: key -> property of the profile vocabulary (ontology/profile.ttl)
PROPERTIES: dict[str, URIRef] = {
    key: PK[{"name": "profileName", "industry": "profileIndustry"}.get(key, _camel(key))] for key in KEYS
}
_DEFAULT_KINDS: tuple[str, ...] = ("enterprise",)
#: namespace of the attestation concepts (scheme:conditions), ``{CONDITION}{measure-slug}/{slug}``
CONDITION: str = str(ID) + "condition/"
_CONDITION_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SPLIT = re.compile(r"[;,|\s]+")
_TRUE = frozenset({"true", "1", "是", "yes"})
_FALSE = frozenset({"false", "0", "否", "no"})


@lru_cache(maxsize=1)
def party_kinds() -> frozenset[str]:
    """The slugs of the concepts of ``scheme:party-kinds`` (ontology/schemes.ttl), e.g. ``guarantee-institution``.

    Raises:
        LoadError: the ontology module cannot be read.
    """
    path = resources.ontology_dir() / "schemes.ttl"
    try:
        graph = Graph().parse(path, format="turtle")
    except Exception as e:  # rdflib parser errors come in many classes
        raise LoadError(f"cannot read the party kinds: {e}", location=str(path)) from e
    prefix = str(PARTY)
    return frozenset(str(c)[len(prefix):] for c in graph.subjects(SKOS.inScheme, SCHEME["party-kinds"])
                     if str(c).startswith(prefix))


@lru_cache(maxsize=1)
def conditions() -> frozenset[str]:
    """The IRIs of the attestation concepts of ``scheme:conditions``, defined in ``shapes/eligibility/*.ttl``.

    Raises:
        LoadError: a shapes file cannot be read.
    """
    found: set[str] = set()
    folder = resources.shapes_dir() / "eligibility"
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else ():
        try:
            graph = Graph().parse(path, format="turtle")
        except Exception as e:  # rdflib parser errors come in many classes
            raise LoadError(f"cannot read the attestation concepts: {e}", location=str(path)) from e
        found.update(str(c) for c in graph.subjects(SKOS.inScheme, SCHEME.conditions))
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Profile:
    """One enterprise profile: money in yuan (Decimal), head counts in persons, durations in months.

    ``None`` means the key was not given; a benefit that needs it is undecided, never granted or refused.
    ``attests`` holds the full IRIs of the conditions the applicant declares it meets (none by default).
    The size class (``pk:profileSizeClass``) is not a key: the engine derives it before validation.
    ``source`` is where the profile was read (``batch.csv:5``, ``profiles.json:$[3]``); ``line`` its line
    when known.
    """

    name: str
    industry: str
    employees: int
    annual_revenue: Decimal
    total_assets: Decimal
    annual_taxable_income: Decimal | None = None
    high_tech_certified: bool | None = None
    restricted_industry: bool | None = None
    beneficiary_kind: tuple[str, ...] = _DEFAULT_KINDS
    established_on: date | None = None
    months_since_establishment: int | None = None
    monthly_sales: Decimal | None = None
    monthly_turnover: Decimal | None = None
    registered_capital: Decimal | None = None
    company_form: str | None = None
    graduates_hired: int | None = None
    graduates_trained: int | None = None
    hard_to_employ_hired: int | None = None
    rd_expenses_expensed: Decimal | None = None
    rd_expenses_capitalised: Decimal | None = None
    technology_transfer_income: Decimal | None = None
    technology_service_income: Decimal | None = None
    guarantee_business_volume: Decimal | None = None
    guarantee_business_growth: Decimal | None = None
    financial_leasing_amount: Decimal | None = None
    attests: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)
    source: str | None = field(default=None, compare=False)

    def to_record(self) -> dict[str, object]:
        """The profile as a flat record keyed by the JSON keys (missing keys are ``None``), for a fast evaluator.

        >>> profile_from_mapping({"name": "A", "industry": "other", "employees": 1, "annual_revenue": 0,
        ...     "total_assets": 0}, location="$").to_record()["beneficiary_kind"]
        ('enterprise',)
        """
        return dict(zip(KEYS, _ALL_KEYS(self)))

    def to_rdf(self, node: URIRef | BNode | None = None) -> Graph:
        """The same facts in the profile vocabulary (ontology/profile.ttl), for pyshacl.

        ``node`` is the profile's IRI or blank node (a fresh blank node by default). Decimals are written
        in fixed-point notation (valid ``xsd:decimal``), industries and party kinds as concept IRIs.
        """
        subject = node if node is not None else BNode()
        graph = Graph()
        graph.bind("pk", PK)
        graph.add((subject, RDF.type, PK.EnterpriseProfile))
        for key in KEYS:
            value = getattr(self, key)
            if value is None or value == ():
                continue
            prop = PROPERTIES[key]
            kind = _KINDS[key]
            if kind == "industry":
                graph.add((subject, prop, INDUSTRY[value]))
            elif kind == "parties":
                for slug in value:
                    graph.add((subject, prop, PARTY[slug]))
            elif kind == "conditions":
                for iri in value:
                    graph.add((subject, prop, URIRef(iri)))
            elif kind == "money":
                graph.add((subject, prop, Literal(format(value, "f"), datatype=XSD.decimal)))
            elif kind == "count":
                graph.add((subject, prop, Literal(str(value), datatype=XSD.integer)))
            elif kind == "bool":
                graph.add((subject, prop, Literal("true" if value else "false", datatype=XSD.boolean)))
            elif kind == "date":
                graph.add((subject, prop, Literal(value.isoformat(), datatype=XSD.date)))
            else:
                graph.add((subject, prop, Literal(value)))
        return graph


# ------------------------------------------------------------------------------------------- values

class _Bad(Exception):
    """A value problem; the caller adds the key and the location."""


def _kind_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _decimal(value: object) -> Decimal:
    if type(value) is str and "_" not in value:  # the fast path (CSV); Decimal() would accept "1_000"
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise _Bad(f"not a number: {value!r}") from None
    elif isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise _Bad(f"expected a number, got {_kind_of(value)}")
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raise _Bad(f"not a number: {value!r}")
    if not number.is_finite():
        raise _Bad(f"not a finite number: {value!r}")
    if number < 0:
        raise _Bad(f"must not be negative, got {value}")
    return number


def _money(value: object) -> Decimal:
    return _decimal(value)


def _count(value: object) -> int:
    if type(value) is int or (type(value) is str and "_" not in value and value.strip().isdecimal()):
        number = int(value)
        if number < 0:
            raise _Bad(f"must not be negative, got {value}")
        return number
    number_ = _decimal(value)
    if number_ != number_.to_integral_value():
        raise _Bad(f"must be a whole number, got {value}")
    return int(number_)


_BOOLEANS: dict[str, bool] = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def _boolean(value: object) -> bool:
    if type(value) is str:
        found = _BOOLEANS.get(value) if value in _BOOLEANS else _BOOLEANS.get(value.strip().lower())
        if found is not None:
            return found
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise _Bad(f"not a boolean: {value!r} (use true/false, 1/0 or 是/否)")
    raise _Bad(f"expected true or false, got {_kind_of(value)}")


def _date(value: object) -> date:
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _Bad(f"not a date (YYYY-MM-DD): {value!r}") from None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise _Bad(f"expected a date string (YYYY-MM-DD), got {_kind_of(value)}")
    text = value.strip()
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _Bad(f"not a date (YYYY-MM-DD): {value!r}")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_kind_of(value)}")
    if not value.strip():
        raise _Bad("must not be empty")
    return value.strip()


def _closest(word: str, choices: Sequence[str]) -> str:
    match = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _choice(value: object, choices: Sequence[str], what: str) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_kind_of(value)}")
    text = value.strip()
    if text in choices:
        return text
    raise _Bad(f"unknown {what} {value!r}{_closest(text, choices)} (one of: {', '.join(choices)})")


def _industry(value: object) -> str:
    return _choice(value, INDUSTRIES, "industry")


def _form(value: object) -> str:
    return _choice(value, COMPANY_FORMS, "company form")


def _parties(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = [s for s in _SPLIT.split(value.strip()) if s]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _Bad(f"expected a party-kind slug or a list of them, got {_kind_of(value)}")
    if not items:
        return _DEFAULT_KINDS
    known = party_kinds()
    slugs: list[str] = []
    for item in items:
        slug = item if type(item) is str and item in known else _choice(item, sorted(known), "party kind")
        if slug not in slugs:
            slugs.append(slug)
    return tuple(slugs)


_known_items: tuple[frozenset[str], dict[str, str]] = (frozenset(), {})


def _condition_items() -> dict[str, str]:
    """The slug and the IRI of each known condition -> its IRI (those :func:`_condition` accepts as they are)."""
    global _known_items
    known = conditions()
    if _known_items[0] is not known:
        items: dict[str, str] = {}
        for iri in known:
            slug = iri.removeprefix(CONDITION)
            if iri.startswith(CONDITION) and _CONDITION_SLUG.fullmatch(slug):
                items[slug] = items[iri] = iri
        _known_items = (known, items)
    return _known_items[1]


def _condition(item: object) -> str:
    if type(item) is str:  # the fast path: a known slug or IRI, given exactly
        found = _condition_items().get(item)
        if found is not None:
            return found
    if not isinstance(item, str):
        raise _Bad(f"expected a condition IRI or slug, got {_kind_of(item)}")
    text = item.strip()
    slug = text.removeprefix(CONDITION)
    if not _CONDITION_SLUG.fullmatch(slug) or ("://" in text and not text.startswith(CONDITION)):
        raise _Bad(f"not a condition IRI or slug: {item!r} (expected {CONDITION}{{measure-slug}}/{{condition}} "
                   f"or {{measure-slug}}/{{condition}})")
    iri = CONDITION + slug
    known = conditions()
    if iri not in known:
        short = sorted(c.removeprefix(CONDITION) for c in known)
        raise _Bad(f"unknown condition {slug!r}{_closest(slug, short)} (the conditions of the eligibility shapes, "
                   f"scheme:conditions)")
    return iri


def _conditions(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = [s for s in (part.strip() for part in value.split("|")) if s]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise _Bad(f"expected a list of condition IRIs or slugs, got {_kind_of(value)}")
    iris: list[str] = []
    for item in items:
        iri = _condition(item)
        if iri not in iris:
            iris.append(iri)
    return tuple(iris)


_PARSERS: dict[str, Callable[[object], object]] = {
    "text": _text, "industry": _industry, "count": _count, "money": _decimal, "bool": _boolean,
    "parties": _parties, "date": _date, "form": _form, "conditions": _conditions,
}
_FIELD_PARSERS: dict[str, Callable[[object], object]] = {key: _PARSERS[kind] for key, kind in _KINDS.items()}


#: Profile's fields in order; key -> its place among them; the defaults (None for required keys)
_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Profile))
_FIELD_PLACE: dict[str, int] = {name: i for i, name in enumerate(_FIELDS)}
_DEFAULTS: list[object] = [None if f.default is MISSING else f.default for f in fields(Profile)]
_LINE, _SOURCE = _FIELD_PLACE["line"], _FIELD_PLACE["source"]
assert set(KEYS) <= set(_FIELDS) and all(_DEFAULTS[_FIELD_PLACE[key]] is None for key in REQUIRED)


def _unknown_key(key: str) -> str:
    return f"unknown key {key!r}{_closest(key, KEYS)} (keys: {', '.join(KEYS)})"


def _json_key_path(location: str, key: str) -> str:
    return f"{location}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{location}[{json.dumps(key)}]"


def _naming(location: str) -> Callable[[str], tuple[str, str]]:
    """Errors keep ``location`` and name the key in the message."""

    def where(key: str) -> tuple[str, str]:
        return location, f"{key}: "

    return where


def _build(data: Mapping[str, object], where: Callable[[str], tuple[str, str]], *, source: str,
           line: int | None) -> Profile:
    """Check and convert a mapping; ``where(key)`` gives (location, message prefix) for a key."""
    duplicates = data.duplicate_keys if type(data) is _Object else ()
    if duplicates:
        loc, prefix = where(duplicates[0])
        raise ProfileError(f"{prefix}duplicate key {duplicates[0]!r}", location=loc)
    values: dict[str, object] = {}
    for key, raw in data.items():
        parse = _FIELD_PARSERS.get(key)
        if parse is None:
            loc, prefix = where(key)
            raise ProfileError(f"{prefix}{_unknown_key(key)}", location=loc)
        if raw is None or raw == "" or (type(raw) is str and raw.isspace()):
            continue
        try:
            values[key] = parse(raw)
        except _Bad as e:
            loc, prefix = where(key)
            raise ProfileError(f"{prefix}{e}", location=loc) from None
    for key in REQUIRED:
        if key not in values:
            loc, prefix = where(key)
            given = "given but empty" if key in data else "missing"
            raise ProfileError(f"{prefix}required key {key!r} is {given} (required: {', '.join(REQUIRED)})",
                               location=loc)
    return Profile(**values, line=line, source=source)  # type: ignore[arg-type]


def profile_from_mapping(data: Mapping[str, object], *, location: str) -> Profile:
    """Check and convert one profile given as a mapping of keys to values (JSON types or strings).

    ``location`` says where the mapping came from. When it ends in a JSON path (``profiles.json:$[3]``,
    ``$``), errors point at the key (``profiles.json:$[3].employees``); otherwise (``batch.jsonl:7``) the
    location is kept and the message names the key. Numbers may be JSON numbers or numeric strings,
    booleans true/false, 1/0 or 是/否, dates YYYY-MM-DD; ``None`` or an empty string is a missing key.

    Raises:
        ProfileError: an unknown key, a missing required key, or a value of the wrong kind, negative,
            not a date, or outside its list (industry, company form, party kind).
    """
    if not isinstance(data, Mapping):
        raise ProfileError(f"expected an object, got {_kind_of(data)}", location=location)
    is_path = "$" in location.rsplit(":", 1)[-1]

    def where(key: str) -> tuple[str, str]:
        return (_json_key_path(location, key), "") if is_path else (location, f"{key}: ")

    return _build(data, where, source=location, line=None)


# ------------------------------------------------------------------------------------------- readers

class _Object(dict[str, object]):
    """A JSON object that remembers the keys given twice."""

    duplicate_keys: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, object]]) -> _Object:
    obj = _Object()
    seen: list[str] = []
    for key, value in pairs:
        if key in obj:
            seen.append(key)
        obj[key] = value
    obj.duplicate_keys = tuple(seen)
    return obj


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number in JSON")


def _json_loads(text: str) -> object:
    return json.loads(text, object_pairs_hook=_object_pairs, parse_float=Decimal, parse_constant=_no_constant)


def read_json(path: Path) -> Iterator[Profile]:
    """Profiles of a ``.json`` file: one object, or a list of objects (read whole; use JSON-lines for big batches).

    Raises:
        LoadError: the file cannot be read or is not JSON.
        ProfileError: a profile is malformed (location ``file:$[i].key``).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise LoadError(f"cannot read profiles: {e}", location=str(path)) from e
    try:
        data = _json_loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(f"invalid JSON: {e.msg} (column {e.colno})", location=f"{path}:{e.lineno}") from e
    except ValueError as e:
        raise LoadError(f"invalid JSON: {e}", location=str(path)) from e
    if isinstance(data, Mapping):
        yield profile_from_mapping(data, location=f"{path}:$")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            if not isinstance(item, Mapping):
                raise ProfileError(f"expected a profile object, got {_kind_of(item)}", location=f"{path}:$[{i}]")
            yield profile_from_mapping(item, location=f"{path}:$[{i}]")
    else:
        raise ProfileError(f"expected a profile object or a list of them, got {_kind_of(data)}",
                           location=f"{path}:$")


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as e:
        raise LoadError(f"cannot read profiles: {e}", location=str(path)) from e


def _decoded(handle: BinaryIO, path: Path) -> Iterator[str]:
    """The lines of a UTF-8 file (a leading BOM dropped), decoded one at a time so errors know their line."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LoadError(f"not UTF-8 text: {e.reason} at byte {e.start + 1}", location=f"{path}:{number}") from e
        yield text[1:] if number == 1 and text.startswith("\ufeff") else text


def read_jsonl(path: Path) -> Iterator[Profile]:
    """Profiles of a ``.jsonl`` file, one JSON object per line (blank lines skipped), streamed.

    Raises:
        LoadError: the file cannot be read, or a line is not UTF-8 or not JSON (location ``file:line``).
        ProfileError: a profile is malformed (location ``file:line``, the message names the key).
    """
    with _open(path) as handle:
        for number, text in enumerate(_decoded(handle, path), start=1):
            if not text.strip():
                continue
            location = f"{path}:{number}"
            try:
                data = _json_loads(text)
            except ValueError as e:
                message = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
                raise LoadError(f"invalid JSON: {message}", location=location) from e
            if not isinstance(data, Mapping):
                raise ProfileError(f"expected a profile object, got {_kind_of(data)}", location=location)
            yield _build(data, _naming(location), source=location, line=number)


def read_csv(path: Path) -> Iterator[Profile]:
    """Profiles of a ``.csv`` file: a header row with the keys, one profile per row, streamed.

    An empty cell is a missing key; ``beneficiary_kind`` may list several slugs separated by ``;``, ``attests``
    several conditions separated by ``|``. Rows take a fast path (the batch path of ``policykg eligibility``):
    once the header is checked, each cell goes to its key's parser and the profile is built from positional
    arguments; the profiles and the errors (message and location) are those of :func:`profile_from_mapping`'s
    checks.

    Raises:
        LoadError: the file cannot be read or a line is not UTF-8 text (location ``file:line``).
        ProfileError: the header has an unknown, repeated or missing required column (location
            ``file:1``), or a row is malformed (location ``file:line``, the message names the key and column).
    """
    with _open(path) as handle:
        reader = csv.reader(_decoded(handle, path))
        start = 1
        try:
            header = next(reader, None)
            if header is None:
                raise ProfileError("empty CSV file: expected a header row with the keys", location=f"{path}:1")
            columns = [h.strip() for h in header]
            for col, key in enumerate(columns, start=1):
                if key not in _KINDS:
                    raise ProfileError(f"column {col}: {_unknown_key(key)}", location=f"{path}:1")
                if columns.index(key) != col - 1:
                    raise ProfileError(f"column {col}: duplicate key {key!r}", location=f"{path}:1")
            for key in REQUIRED:
                if key not in columns:
                    raise ProfileError(f"missing required column {key!r} (required: {', '.join(REQUIRED)})",
                                       location=f"{path}:1")
            # the fast path: what _build does for a mapping, specialised to a checked header (no unknown or
            # repeated key, every required key a column): each cell goes straight to its parser and its
            # place among Profile's positional arguments (faster than keywords)
            width = len(columns)
            parsers = [_FIELD_PARSERS[key] for key in columns]
            places = [_FIELD_PLACE[key] for key in columns]
            cells = list(zip(range(width), places, parsers))
            required = [(_FIELD_PLACE[key], key, columns.index(key) + 1) for key in REQUIRED]
            name = str(path)
            start = reader.line_num + 1
            for row in reader:
                line = start
                start = reader.line_num + 1
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    raise ProfileError(f"row has {len(row)} cells, the header has {width}", location=f"{name}:{line}")
                args = _DEFAULTS.copy()
                col = 0
                try:
                    for col, place, parse in cells:
                        raw = row[col]
                        if raw and not raw.isspace():
                            args[place] = parse(raw)
                except _Bad as e:
                    raise ProfileError(f"{columns[col]} (column {col + 1}): {e}", location=f"{name}:{line}") from None
                for place, key, number in required:
                    if args[place] is None:
                        raise ProfileError(f"{key} (column {number}): required key {key!r} is given but empty "
                                           f"(required: {', '.join(REQUIRED)})", location=f"{name}:{line}")
                args[_LINE] = line
                args[_SOURCE] = f"{name}:{line}"
                yield Profile(*args)  # type: ignore[arg-type]  # the parsers' types, by position
        except csv.Error as e:
            raise ProfileError(f"malformed CSV: {e}", location=f"{path}:{start}") from e


def read_turtle(path: Path) -> Iterator[Profile]:
    """Profiles of a Turtle file: its ``pk:EnterpriseProfile`` nodes, validated with shapes/profile.ttl.

    Profiles come in the order of their IRIs (blank nodes last).

    Raises:
        LoadError: the file cannot be read or is not Turtle.
        ProfileError: the file holds no profile, or a profile violates the shape (location ``file:<node>``,
            the message names the key).
        ValidationFailure: the shapes could not be run.
    """
    from ..shapes import load_shapes, validate

    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError as e:
        raise LoadError("no such file", location=str(path)) from e
    except Exception as e:  # rdflib parser errors come in many classes
        raise LoadError(f"invalid Turtle: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
                        location=str(path)) from e
    nodes = sorted(set(graph.subjects(RDF.type, PK.EnterpriseProfile)),
                   key=lambda n: (isinstance(n, BNode), str(n)))
    if not nodes:
        raise ProfileError("no pk:EnterpriseProfile in the file", location=str(path))
    report = validate(graph, load_shapes("profile"))
    keys = {str(prop): key for key, prop in PROPERTIES.items()}
    for result in report.violations:
        key = keys.get(result.path or "")
        what = key if key else (f"unknown property <{result.path}>" if result.path else "profile")
        value = f" (value {result.value})" if result.value is not None else ""
        if result.constraint == "MinCountConstraintComponent":
            problem = f"required key {key!r} is missing (required: {', '.join(REQUIRED)})"
        elif result.constraint == "MaxCountConstraintComponent":
            problem = "more than one value; at most one is allowed"
        else:
            problem = result.message.split(" / ")[-1].removeprefix(f"{key}: ") + value
        raise ProfileError(f"{what}: {problem}", location=f"{path}:<{result.focus}>")
    for node in nodes:
        data: dict[str, object] = {}
        for key, prop in PROPERTIES.items():
            objects = list(graph.objects(node, prop))
            if not objects:
                continue
            if key == "industry":
                data[key] = str(objects[0]).removeprefix(str(INDUSTRY))
            elif key == "beneficiary_kind":
                data[key] = sorted(str(o).removeprefix(str(PARTY)) for o in objects)
            elif key == "attests":
                data[key] = sorted(str(o) for o in objects)
            else:
                literal = objects[0]
                data[key] = literal.toPython() if isinstance(literal, Literal) else str(literal)
                if isinstance(data[key], float):
                    data[key] = str(literal)
        location = f"{path}:<{node}>"
        yield _build(data, _naming(location), source=location, line=None)


_READERS: dict[str, Callable[[Path], Iterator[Profile]]] = {
    ".json": read_json, ".jsonl": read_jsonl, ".ndjson": read_jsonl, ".csv": read_csv, ".ttl": read_turtle,
}


def read_profiles(path: Path) -> Iterator[Profile]:
    """Profiles of a file, chosen by suffix: ``.json``, ``.jsonl``, ``.csv`` or ``.ttl``; streamed.

    Raises:
        LoadError: the suffix is not one of those, or the file cannot be read.
        ProfileError: a profile is malformed (the message names the key, the location where it is).
    """
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise LoadError(f"cannot read profiles from a {path.suffix or 'suffix-less'} file "
                        f"(use .json, .jsonl, .csv or .ttl)", location=str(path))
    if not path.is_file():
        raise LoadError("no such file", location=str(path))
    return reader(path)
