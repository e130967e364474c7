"""IRIs the ingester mints, by the rules of docs/ontology.md ("IRI policy").

- a document with a 文号 XX〔YYYY〕N号: ``doc:{pinyin of XX}-{YYYY}-{N}``; an unknown prefix is kept
  as written (``doc:鲁财发-2013-7``);
- a document known only by its title: ``doc:title-{first 12 hex of sha1(title)}`` unless the
  registry has it;
- chapters, articles and mentions hang below the document IRI.
"""

from __future__ import annotations

import hashlib
import re

from ..namespaces import DOC

#: 文号 prefixes with a fixed pinyin slug (docs/ontology.md)
PREFIX_PINYIN: dict[str, str] = {
    "青政发": "qingzhengfa",
    "国发": "guofa",
    "财库": "caiku",
    "青政字": "qingzhengzi",
    "青发": "qingfa",
    "工信部联企业": "gongxinbulianqiye",
    "国办发": "guobanfa",
    "财税": "caishui",
    "财综": "caizong",
    "鲁政发": "luzhengfa",
    "青政办发": "qingzhengbanfa",
    "财会": "caikuai",
}

_ID_LOCAL = re.compile(r"^(?P<prefix>.+)〔(?P<year>\d{4})〕(?P<number>\d+)号$")


def document_slug(id_local: str) -> str:
    """The slug of a document from its normalised 文号.

    >>> document_slug("青政发〔2012〕46号"), document_slug("鲁财发〔2013〕7号")
    ('qingzhengfa-2012-46', '鲁财发-2013-7')

    Raises:
        ValueError: ``id_local`` is not of the form XX〔YYYY〕N号.
    """
    m = _ID_LOCAL.match(id_local)
    if m is None:
        raise ValueError(f"not a document number: {id_local!r}")
    prefix = PREFIX_PINYIN.get(m["prefix"], m["prefix"])
    return f"{prefix}-{m['year']}-{int(m['number'])}"


def title_slug(title: str) -> str:
    """The slug of a document known only by its title: ``title-`` + 12 hex digits of sha1.

    The title is hashed as quoted, without 《》 and surrounding whitespace.

    >>> title_slug("小企业会计准则")[:6]
    'title-'

    Raises:
        Nothing.
    """
    digest = hashlib.sha1(title.strip().encode("utf-8")).hexdigest()
    return f"title-{digest[:12]}"


def document_iri(slug: str) -> str:
    """``doc:{slug}`` as an absolute IRI string.

    Raises:
        Nothing.
    """
    return str(DOC[slug])


def chapter_iri(document: str, number: str) -> str:
    """``{document}/chapter/{number}``.

    Raises:
        Nothing.
    """
    return f"{document}/chapter/{number}"


def article_iri(document: str, number: str) -> str:
    """``{document}/article/{number}``.

    Raises:
        Nothing.
    """
    return f"{document}/article/{number}"


def quantity_iri(article: str, ordinal: int) -> str:
    """``{article}/quantity/{k}``.

    Raises:
        Nothing.
    """
    return f"{article}/quantity/{ordinal}"


def temporal_iri(article: str, ordinal: int) -> str:
    """``{article}/temporal/{k}``.

    Raises:
        Nothing.
    """
    return f"{article}/temporal/{ordinal}"
