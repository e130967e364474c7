"""The YAML eligibility cases: reading a case file and checking a decision against a case's expectations.

The format is documented in docs/eligibility.md ("Eligibility cases (YAML)"). A case file is a mapping::

    templates: {...}        # optional, ignored: a place for YAML anchors (&small) shared by the cases
    cases:
      - name: half-income-at-60000
        as_of: 2013-06-30
        profile: {<<: *small, annual_taxable_income: 60000}
        expect: {granted: [5-half-income], excluded: {5-reduced-rate: {in_favour_of: 5-half-income}}}
        xfail: "why the engine does not do what the article says"   # optional

Expectations are checked against ``Decision.to_json()`` (the contract JSON), so a case says what a user of
``policykg eligibility --format json`` sees. Benefits are named by their slug (the last segment of the
benefit IRI, e.g. ``5-half-income``), groups likewise. :func:`check` returns the list of mismatches, each
a readable line; an empty list means the decision is as expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Case", "CaseFormatError", "EXPECT_KEYS", "check", "describe", "load", "load_all", "slug"]

#: the keys of a case
CASE_KEYS = frozenset({"name", "as_of", "profile", "expect", "xfail"})
#: the keys of ``expect`` and the kind of value each takes
EXPECT_KEYS: dict[str, str] = {
    "size_class": "text",
    "granted": "slugs",
    "granted_exactly": "slugs",
    "not_granted": "slugs",
    "not_yet_in_force": "slugs",
    "no_longer_in_force": "slugs",
    "excluded": "map",
    "ineligible": "map",
    "undecided": "map",
    "values": "map",
    "valid_from": "map",
    "valid_until": "map",
    "notes": "map",
    "total_value": "number",
}
EXCLUDED_KEYS = frozenset({"in_favour_of", "group", "strategy", "reason_contains"})
INELIGIBLE_KEYS = frozenset({"fields", "change", "change_to", "constraint", "message_contains"})


class CaseFormatError(Exception):
    """A case file that does not follow the format; the message names the file and line."""


@dataclass(frozen=True)
class Case:
    """One eligibility case: a profile, a date and what the articles say the decision is."""

    name: str
    path: Path
    line: int
    as_of: date
    profile: Mapping[str, Any]
    expect: Mapping[str, Any]
    xfail: str | None = None
    #: every benefit slug the expectations name, by what they say of it (for the coverage tests)
    mentions: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def slug(iri: str | None) -> str:
    """The last segment of an IRI (benefit and group slugs).

    >>> slug("https://w3id.org/policykg/id/doc/qingzhengfa-2012-46/measure/5-half-income")
    '5-half-income'
    """
    if iri is None:
        return ""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# ------------------------------------------------------------------------------------------- reading

class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML would silently keep the last one)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> object:
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[no-untyped-call]
    except ValueError as e:  # 2013-06-31: PyYAML lets datetime's ValueError through
        raise yaml.constructor.ConstructorError(None, None, f"not a date: {node.value} ({e})", node.start_mark) from None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load(path: Path) -> list[Case]:
    """The cases of one file, checked against the format.

    Raises:
        CaseFormatError: the file is not valid YAML or does not follow the format.
    """
    text = path.read_text(encoding="utf-8")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"{path.name}:{mark.line + 1}" if mark is not None else path.name
        raise CaseFormatError(f"{where}: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise CaseFormatError(f"{path.name}: not valid YAML: {e}") from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise CaseFormatError(f"{path.name}: a case file is a mapping with the key 'cases'")
    unknown = set(data) - {"cases", "templates"}
    if unknown:
        raise CaseFormatError(f"{path.name}: unknown top-level key(s) {sorted(unknown)} (keys: cases, templates)")
    raw = data.get("cases")
    if not isinstance(raw, list) or not raw:
        raise CaseFormatError(f"{path.name}: 'cases' must be a non-empty list")
    cases_node = next(v for k, v in node.value if k.value == "cases")
    lines = [item.start_mark.line + 1 for item in cases_node.value]
    cases: list[Case] = []
    names: set[str] = set()
    for item, line in zip(raw, lines):
        case = _case(item, path, line)
        if case.name in names:
            raise CaseFormatError(f"{path.name}:{line}: duplicate case name {case.name!r}")
        names.add(case.name)
        cases.append(case)
    return cases


def load_all(folder: Path) -> list[Case]:
    """The cases of every ``*.yaml`` file of ``folder``, in file order."""
    return [c for p in sorted(folder.glob("*.yaml")) for c in load(p)]


def _case(item: object, path: Path, line: int) -> Case:
    where = f"{path.name}:{line}"
    if not isinstance(item, dict):
        raise CaseFormatError(f"{where}: a case is a mapping (name, as_of, profile, expect)")
    unknown = set(item) - CASE_KEYS
    if unknown:
        raise CaseFormatError(f"{where}: unknown case key(s) {sorted(unknown)} (keys: {', '.join(sorted(CASE_KEYS))})")
    for key in ("name", "as_of", "profile", "expect"):
        if key not in item:
            raise CaseFormatError(f"{where}: case without {key!r}")
    name, as_of, profile, expect = item["name"], item["as_of"], item["profile"], item["expect"]
    if not isinstance(name, str) or not name or any(c in name for c in "[]/: "):
        raise CaseFormatError(f"{where}: 'name' must be a short id without spaces, brackets, '/' or ':' ({name!r})")
    where = f"{path.name}:{line} ({name})"
    if type(as_of) is not date:
        raise CaseFormatError(f"{where}: 'as_of' must be a date YYYY-MM-DD, got {as_of!r}")
    if not isinstance(profile, dict):
        raise CaseFormatError(f"{where}: 'profile' must be a mapping of profile keys")
    if not isinstance(expect, dict) or not expect:
        raise CaseFormatError(f"{where}: 'expect' must be a non-empty mapping")
    xfail = item.get("xfail")
    if xfail is not None and (not isinstance(xfail, str) or not xfail.strip()):
        raise CaseFormatError(f"{where}: 'xfail' must be a string saying why")
    mentions = _check_expect(expect, where)
    return Case(name, path, line, as_of, profile, expect, xfail, mentions)


def _slugs(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
        raise CaseFormatError(f"{where}: expected a list of benefit slugs, got {value!r}")
    return list(value)


def _check_expect(expect: Mapping[str, Any], where: str) -> dict[str, frozenset[str]]:
    """Validate the shape of ``expect``; return slug -> what the case says of it."""
    said: dict[str, set[str]] = {}

    def say(s: str, what: str) -> None:
        said.setdefault(s, set()).add(what)

    unknown = set(expect) - set(EXPECT_KEYS)
    if unknown:
        raise CaseFormatError(f"{where}: unknown expect key(s) {sorted(unknown)} (keys: {', '.join(EXPECT_KEYS)})")
    for key, value in expect.items():
        at = f"{where}: expect.{key}"
        kind = EXPECT_KEYS[key]
        if kind == "text" and not isinstance(value, str):
            raise CaseFormatError(f"{at}: expected a string, got {value!r}")
        if kind == "number":
            _number(value, at)
        if kind == "slugs":
            for s in _slugs(value, at):
                say(s, key if key in ("not_granted", "not_yet_in_force", "no_longer_in_force") else "granted")
        if kind == "map":
            if not isinstance(value, dict) or not value:
                raise CaseFormatError(f"{at}: expected a mapping keyed by benefit slug")
            for s, spec in value.items():
                _check_entry(key, s, spec, f"{at}.{s}")
                say(s, {"excluded": "excluded", "ineligible": "ineligible", "undecided": "undecided"}.get(key, key))
    refused = {"not_granted", "excluded", "ineligible", "undecided", "not_yet_in_force", "no_longer_in_force"}
    both = {s for s, w in said.items() if "granted" in w and w & refused}
    if both:
        raise CaseFormatError(f"{where}: expected both granted and not granted: {sorted(both)}")
    return {s: frozenset(w) for s, w in said.items()}


def _check_entry(key: str, s: object, spec: object, at: str) -> None:
    if not isinstance(s, str) or not s:
        raise CaseFormatError(f"{at}: keys must be benefit slugs")
    if key == "excluded":
        if not isinstance(spec, dict) or "in_favour_of" not in spec:
            raise CaseFormatError(f"{at}: an exclusion names the benefit it lost to: {{in_favour_of: slug}}")
        bad = set(spec) - EXCLUDED_KEYS
        if bad:
            raise CaseFormatError(f"{at}: unknown key(s) {sorted(bad)} (keys: {', '.join(sorted(EXCLUDED_KEYS))})")
    elif key == "ineligible":
        if not isinstance(spec, dict) or "fields" not in spec:
            raise CaseFormatError(f"{at}: a refusal names the failed fields: {{fields: [employees]}}")
        bad = set(spec) - INELIGIBLE_KEYS
        if bad:
            raise CaseFormatError(f"{at}: unknown key(s) {sorted(bad)} (keys: {', '.join(sorted(INELIGIBLE_KEYS))})")
        if not isinstance(spec["fields"], list) or not spec["fields"]:
            raise CaseFormatError(f"{at}.fields: expected a non-empty list of fields")
        for sub in ("change", "change_to", "constraint"):
            if sub in spec:
                if not isinstance(spec[sub], dict) or not set(spec[sub]) <= set(spec["fields"]):
                    raise CaseFormatError(f"{at}.{sub}: expected a mapping keyed by fields listed in 'fields'")
                if sub != "constraint":
                    for f, v in spec[sub].items():
                        _number(v, f"{at}.{sub}.{f}")
    elif key == "undecided":
        if not isinstance(spec, list) or not spec or not all(isinstance(f, str) for f in spec):
            raise CaseFormatError(f"{at}: an undecided benefit names the missing fields: [annual_taxable_income]")
    elif key == "values":
        if spec is not None:
            _number(spec, at)
    elif key in ("valid_from", "valid_until"):
        if spec is not None and type(spec) is not date:
            raise CaseFormatError(f"{at}: expected a date YYYY-MM-DD or null")
    elif key == "notes":
        if not isinstance(spec, list) or not all(isinstance(t, str) and t for t in spec):
            raise CaseFormatError(f"{at}: expected a list of texts the granted benefit's notes contain")


def _number(value: object, at: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CaseFormatError(f"{at}: expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise CaseFormatError(f"{at}: expected a number, got {value!r}") from None


def _same_number(actual: object, expected: object) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, bool):
        return False
    return Decimal(str(actual)) == Decimal(str(expected))


# ------------------------------------------------------------------------------------------ checking

def _index(doc: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """slug -> (state, entry): state "granted", "excluded", "ineligible" or "undecided"."""
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for g in doc["granted"]:
        out[slug(g["benefit"])] = ("granted", g)
    for e in doc["excluded"]:
        out[slug(e["benefit"])] = ("excluded", e)
    for i in doc["ineligible"]:
        out[slug(i["benefit"])] = ("undecided" if i["undecided"] else "ineligible", i)
    return out


def _reason_text(r: Mapping[str, Any]) -> str:
    value = r.get("value")
    change = r.get("change")
    text = f"{r.get('field')}={value!r} ({r.get('constraint')})"
    return text + (f" [change by {change['by']}]" if change else "")


def _state_text(state: str, entry: Mapping[str, Any]) -> str:
    if state == "granted":
        return f"granted (value {entry.get('value')!r}, valid until {entry.get('valid_until')})"
    if state == "excluded":
        return f"excluded in favour of {slug(entry['in_favour_of'])} (group {slug(entry['group'])})"
    if state == "undecided":
        return f"undecided, missing {entry['missing']}"
    return "ineligible: " + "; ".join(_reason_text(r) for r in entry["reasons"])


def check(doc: Mapping[str, Any], expect: Mapping[str, Any]) -> list[str]:
    """The mismatches between a decision (``Decision.to_json()``) and a case's expectations."""
    index = _index(doc)
    bad: list[str] = []

    def find(s: str) -> tuple[str, Mapping[str, Any]] | None:
        found = index.get(s)
        if found is None:
            bad.append(f"{s}: no such benefit in the decision (unknown slug?)")
        return found

    def expect_state(s: str, wanted: str) -> Mapping[str, Any] | None:
        found = find(s)
        if found is None:
            return None
        state, entry = found
        if state != wanted:
            bad.append(f"{s}: expected {wanted}, but it is {_state_text(state, entry)}")
            return None
        return entry

    if "size_class" in expect and doc["size_class"] != expect["size_class"]:
        bad.append(f"size class: expected {expect['size_class']}, got {doc['size_class']} ({doc['size']['message_en']})")
    for s in expect.get("granted", ()):
        expect_state(s, "granted")
    if "granted_exactly" in expect:
        want = set(expect["granted_exactly"])
        got = {slug(g["benefit"]) for g in doc["granted"]}
        for s in sorted(want - got):
            found = find(s)
            if found is not None:
                bad.append(f"{s}: expected granted, but it is {_state_text(*found)}")
        for s in sorted(got - want):
            bad.append(f"{s}: granted, but not in granted_exactly")
    for s in expect.get("not_granted", ()):
        found = find(s)
        if found is not None and found[0] == "granted":
            bad.append(f"{s}: expected not granted, but it is {_state_text(*found)}")
    for key, op in (("not_yet_in_force", ">="), ("no_longer_in_force", "<=")):
        for s in expect.get(key, ()):
            entry = expect_state(s, "ineligible")
            if entry is not None:
                bad.extend(f"{s}: {m}" for m in _check_validity(entry["reasons"], op, doc["as_of"]))
    for s, spec in expect.get("excluded", {}).items():
        entry = expect_state(s, "excluded")
        if entry is None:
            continue
        if slug(entry["in_favour_of"]) != spec["in_favour_of"]:
            bad.append(f"{s}: expected excluded in favour of {spec['in_favour_of']}, "
                       f"got in favour of {slug(entry['in_favour_of'])}")
        if "group" in spec and slug(entry["group"]) != spec["group"]:
            bad.append(f"{s}: expected excluded by group {spec['group']}, got {slug(entry['group'])}")
        if "strategy" in spec and entry["strategy"] != spec["strategy"]:
            bad.append(f"{s}: expected strategy {spec['strategy']}, got {entry['strategy']}")
        if "reason_contains" in spec and spec["reason_contains"] not in entry["reason"] + " " + entry["reason_en"]:
            bad.append(f"{s}: the exclusion reason does not contain {spec['reason_contains']!r}: {entry['reason_en']}")
    for s, spec in expect.get("ineligible", {}).items():
        entry = expect_state(s, "ineligible")
        if entry is not None:
            bad.extend(f"{s}: {m}" for m in _check_reasons(entry["reasons"], spec))
    for s, missing in expect.get("undecided", {}).items():
        entry = expect_state(s, "undecided")
        if entry is not None and set(entry["missing"]) != set(missing):
            bad.append(f"{s}: expected undecided for want of {sorted(missing)}, got missing {entry['missing']}")
    for s, amount in expect.get("values", {}).items():
        found = find(s)
        if found is None:
            continue
        state, entry = found
        if state not in ("granted", "excluded"):
            bad.append(f"{s}: expected a value {amount!r}, but it is {_state_text(state, entry)}")
        elif not _same_number(entry["value"], amount):
            bad.append(f"{s}: expected value {amount!r}, got {entry['value']!r} ({entry.get('value_formula')})")
    for key in ("valid_from", "valid_until"):
        for s, day in expect.get(key, {}).items():
            entry = expect_state(s, "granted")
            if entry is not None:
                want = day.isoformat() if day is not None else None
                if entry[key] != want:
                    bad.append(f"{s}: expected {key} {want}, got {entry[key]}")
    for s, texts in expect.get("notes", {}).items():
        entry = expect_state(s, "granted")
        if entry is not None:
            notes = " | ".join(list(entry["notes"]) + list(entry["notes_en"]))
            bad.extend(f"{s}: no note contains {t!r} (notes: {notes or 'none'})" for t in texts if t not in notes)
    if "total_value" in expect and not _same_number(doc["total_value"], expect["total_value"]):
        bad.append(f"total value: expected {expect['total_value']!r}, got {doc['total_value']!r}")
    return bad


def _check_validity(reasons: Sequence[Mapping[str, Any]], op: str, as_of: str) -> list[str]:
    """The only reason is the validity period: ``as_of >= D`` with D after the date, or ``<= D`` with D before it."""
    said = "not yet in force" if op == ">=" else "no longer in force"
    if len(reasons) != 1 or reasons[0]["field"] != "as_of":
        return [f"expected {said} as the only reason, got: " + "; ".join(_reason_text(r) for r in reasons)]
    constraint = reasons[0]["constraint"]
    head, _, day = constraint.partition(" ")
    if head != op or not (day > as_of if op == ">=" else day < as_of):
        return [f"expected {said} on {as_of}, got the constraint as_of {constraint}"]
    return []


def _check_reasons(reasons: Sequence[Mapping[str, Any]], spec: Mapping[str, Any]) -> list[str]:
    bad: list[str] = []
    got = {r["field"] for r in reasons}
    want = set(spec["fields"])
    if got != want:
        bad.append(f"expected refused on {sorted(want, key=str)}, got refused on {sorted(got, key=str)}: "
                   + "; ".join(_reason_text(r) for r in reasons))
    for f, by in spec.get("change", {}).items():
        changes = [r["change"] for r in reasons if r["field"] == f and r.get("change")]
        if not any(_same_number(c["by"], by) for c in changes):
            bad.append(f"expected a smallest change of {f} by {by}, got {[c['by'] for c in changes] or 'none'}")
    for f, to in spec.get("change_to", {}).items():
        changes = [r["change"] for r in reasons if r["field"] == f and r.get("change")]
        if not any(_same_number(c["to"], to) for c in changes):
            bad.append(f"expected a smallest change of {f} to {to}, got {[c['to'] for c in changes] or 'none'}")
    for f, text in spec.get("constraint", {}).items():
        constraints = [r["constraint"] for r in reasons if r["field"] == f]
        if text not in constraints:
            bad.append(f"expected the failed constraint {f} {text!r}, got {constraints}")
    if "message_contains" in spec:
        text = spec["message_contains"]
        if not any(text in r["message"] or text in r["message_en"] or text in (r.get("change") or {}).get("message_en", "")
                   for r in reasons):
            bad.append(f"no reason message contains {text!r}")
    return bad


def describe(doc: Mapping[str, Any]) -> str:
    """A few lines summing a decision up, for failure reports."""
    def names(items: Iterable[Mapping[str, Any]]) -> str:
        return ", ".join(slug(x["benefit"]) for x in items) or "none"

    undecided = [i for i in doc["ineligible"] if i["undecided"]]
    return "\n".join([
        f"size class: {doc['size_class']}; total value: {doc['total_value']}",
        f"granted: {names(doc['granted'])}",
        f"excluded: {', '.join(slug(e['benefit']) + ' → ' + slug(e['in_favour_of']) for e in doc['excluded']) or 'none'}",
        f"undecided: {', '.join(slug(i['benefit']) + ' ' + str(i['missing']) for i in undecided) or 'none'}",
    ])
