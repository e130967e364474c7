"""Responsible agencies: the trailing "(市经济信息化委、市财政局负责)" of an article.

The list is split on 、 , ， ; ；. "A等部门" / "A等有关前置许可审批部门" name A and say that others
share the duty; "各相关部门", "各有关职能部门", "有关部门" name no one and say the same. Names the
registry does not know are kept, with the closest known label as a suggestion; no IRI is invented
for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Responsibility, Span, UnresolvedAgency
from .numerals import fold_width
from .registry import Registry

_SEPARATORS = re.compile(r"[、,;]")
_ROLE_PREFIX = re.compile(r"^(?:责任单位|责任部门|牵头单位|牵头部门|实施单位)\s*:\s*")
_ROLE_SUFFIX = re.compile(r"(?:共同|分别|牵头)?(?:负责|牵头|配合)$")
_AND_OTHERS = re.compile(r"^(?P<name>.+?)等(?:其他)?(?:有关|相关)?.*?(?:部门|单位|机构)?$")
_GENERIC = re.compile(r"^(?:各级)?(?:各|其他|政府)?(?:相关|有关)?(?:职能)?(?:部门|单位|机构)$")


@dataclass(frozen=True)
class Parenthetical:
    """A bracketed passage closing a text: its content and span (brackets included)."""

    content: str
    span: Span


def trailing_parenthetical(text: str) -> Parenthetical | None:
    """The bracketed passage that closes ``text`` (nested brackets allowed), or None.

    >>> trailing_parenthetical("减免。(市国税局、区(市)政府负责)").content
    '市国税局、区(市)政府负责'

    Raises:
        Nothing.
    """
    folded = fold_width(text).rstrip()
    if folded.endswith("。") and len(folded) > 1 and folded[-2] == ")":
        folded = folded[:-1]
    if not folded.endswith(")"):
        return None
    depth = 0
    for i in range(len(folded) - 1, -1, -1):
        ch = folded[i]
        if ch == ")":
            depth += 1
        elif ch == "(":
            depth -= 1
            if depth == 0:
                return Parenthetical(content=text[i + 1 : len(folded) - 1], span=Span(i, len(folded)))
    return None


def is_responsibility(content: str) -> bool:
    """True when a closing parenthetical names who is responsible ("…负责", "责任单位:…").

    Raises:
        Nothing.
    """
    folded = fold_width(content).strip()
    return bool(_ROLE_PREFIX.match(folded)) or folded.endswith("负责")


def parse_responsibility(text: str, registry: Registry) -> Responsibility | None:
    """The responsibility read from the trailing parenthetical of an article's text, or None.

    Raises:
        Nothing.
    """
    paren = trailing_parenthetical(text)
    if paren is None or not is_responsibility(paren.content):
        return None
    body = _ROLE_PREFIX.sub("", fold_width(paren.content).strip())
    body = _ROLE_SUFFIX.sub("", body.strip())
    agencies: list[str] = []
    unresolved: list[UnresolvedAgency] = []
    others = False
    for raw in _SEPARATORS.split(body):
        part = _ROLE_SUFFIX.sub("", raw.strip()).strip()
        if not part:
            continue
        if _GENERIC.match(part):
            others = True
            continue
        m = _AND_OTHERS.match(part)
        if m is not None and "等" in part:
            part = m["name"].strip()
            others = True
        iri = registry.agency(part)
        if iri is not None:
            if iri not in agencies:
                agencies.append(iri)
        else:
            unresolved.append(UnresolvedAgency(name=part, suggestion=registry.suggest_agency(part)))
    return Responsibility(
        text=paren.content.strip(),
        agencies=tuple(agencies),
        unresolved=tuple(unresolved),
        others_share=others,
    )
