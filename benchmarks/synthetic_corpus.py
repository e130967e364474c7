"""A synthetic corpus of about a million triples in policykg's vocabulary, for benchmarks at scale.

    .venv/bin/python benchmarks/synthetic_corpus.py --triples 1000000 --seed 0 --output corpus.nq

It starts from the built store (ontology, concept schemes, size standard, shapes, the real documents) and
adds synthetic policy documents shaped like 青政发〔2012〕46号 — the same chapters, articles, measures
(benefits, duties), quantities, validity, non-cumulation groups and citations, read from the built store
— as if each of Qingdao's ten districts had issued its own implementing opinion every year:

* document ``doc:synthetic-NNNN`` is issued by a district government (``agency:synthetic/{district}-government``)
  in a year from 2009 on, with a number of its own (``崂政发〔2014〕7号``) and its dates, validity bounds
  and entry into force moved to that year;
* every municipal agency of the template (``市财政局``) becomes the district's agency of the same kind
  (``崂山区财政局``, ``agency:synthetic/laoshan-finance-bureau``, with zh / en labels, types and the
  district government above it), in responsibilities, duty bearers and the article texts; national
  agencies stay as they are;
* besides the national documents the template cites, each synthetic document cites one to three earlier
  synthetic documents drawn at random (so citation chains are long), and the articles of the template
  are shuffled among the documents' article texts.

The schema (classes, concept schemes, shapes) is shared, so every named query of ``queries/`` means the
same thing on the synthetic corpus as on the real one. Everything is drawn from ``random.Random(seed)``:
the same seed and target give the same quads. Each synthetic document is one named graph
(``graph/synthetic/doc/NNNN``); the synthetic agencies are ``graph/synthetic/agencies``.

The corpus is synthetic: it is for measuring speed, never for answers about real policy.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from policykg.namespaces import AGENCY, DOC, ELI, GRAPH, ORG, PK, RDF, SKOS, XSD

TEMPLATE = "qingzhengfa-2012-46"
TEMPLATE_YEAR = 2012
MUNICIPAL_GOVERNMENT = str(AGENCY["qingdao-municipal-government"])

#: Qingdao's districts and county-level cities: slug, Chinese name, English name, document series
DISTRICTS = [
    ("shinan", "市南区", "Shinan District", "南政发"),
    ("shibei", "市北区", "Shibei District", "北政发"),
    ("licang", "李沧区", "Licang District", "李政发"),
    ("laoshan", "崂山区", "Laoshan District", "崂政发"),
    ("huangdao", "黄岛区", "Huangdao District", "黄政发"),
    ("chengyang", "城阳区", "Chengyang District", "城政发"),
    ("jimo", "即墨区", "Jimo District", "即政发"),
    ("jiaozhou", "胶州市", "Jiaozhou City", "胶政发"),
    ("pingdu", "平度市", "Pingdu City", "平政发"),
    ("laixi", "莱西市", "Laixi City", "莱政发"),
]

_N = ox.NamedNode
_TYPE = _N(str(RDF.type))
_PREF = _N(str(SKOS.prefLabel))
_SUB_ORG = _N(str(ORG.subOrganizationOf))
_CITES = _N(str(ELI.cites))
_PASSED_BY = _N(str(ELI.passed_by))
_ID_LOCAL = _N(str(ELI.id_local))
_TITLE = _N(str(ELI.title))
_TEXT = _N(str(PK.text))
_RESPONSIBILITY_TEXT = _N(str(PK.responsibilityText))
_DATE = str(XSD.date)


@dataclass(frozen=True)
class Agency:
    """A municipal agency of the template and its labels."""

    iri: str
    slug: str
    zh: list[str]
    en: list[str]
    types: list[ox.NamedNode]


def _template(store: ox.Store) -> tuple[list[ox.Quad], list[Agency]]:
    """The template document's quads (every quad whose subject is the document or under it) and the
    municipal agencies (those directly under the municipal government)."""
    root = str(DOC[TEMPLATE])
    quads = [q for q in store.quads_for_pattern(None, None, None, None)
             if isinstance(q.subject, ox.NamedNode) and (q.subject.value == root or q.subject.value.startswith(root + "/"))]
    agencies = []
    for q in store.quads_for_pattern(None, _SUB_ORG, _N(MUNICIPAL_GOVERNMENT), None):
        iri = q.subject.value
        labels = [t.object for t in store.quads_for_pattern(q.subject, _PREF, None, None)]
        agencies.append(Agency(
            iri=iri, slug=iri.rsplit("/", 1)[1],
            zh=sorted({lab.value for lab in labels if lab.language == "zh"}),
            en=sorted({lab.value for lab in labels if lab.language == "en"}),
            types=sorted({t.object for t in store.quads_for_pattern(q.subject, _TYPE, None, None)}, key=str)))
    return quads, sorted(agencies, key=lambda a: a.iri)


def _district_zh(label: str, district_zh: str) -> str:
    """市财政局 → 崂山区财政局; 青岛市财政局 → 青岛市崂山区财政局."""
    if label.startswith("青岛市"):
        return "青岛市" + district_zh + label[3:]
    if label.startswith("市"):
        return district_zh + label[1:]
    return district_zh + label


def _district_en(label: str, district_en: str) -> str:
    for prefix in ("Qingdao Municipal ", "Qingdao "):
        if label.startswith(prefix):
            return f"{district_en} {label[len(prefix):]}"
    return f"{district_en} {label}"


def generate(store: ox.Store, *, triples: int = 1_000_000, seed: int = 0) -> Iterator[ox.Quad]:
    """The quads of ``store`` followed by synthetic documents until about ``triples`` quads in all."""
    rng = random.Random(seed)
    base = list(store.quads_for_pattern(None, None, None, None))
    yield from base
    template, agencies = _template(store)
    per_document = len(template) + 4  # plus passed_by, id_local, title and ~1 more citation on average
    count = max(0, math.ceil((triples - len(base) - len(DISTRICTS) * (len(agencies) * 6 + 4)) / per_document))
    root = str(DOC[TEMPLATE])
    agency_graph = _N(str(GRAPH["synthetic/agencies"]))

    # the district versions of the municipal agencies (and the district governments above them)
    district_agency: dict[tuple[str, str], ox.NamedNode] = {}
    replacements: dict[str, list[tuple[str, str]]] = {}
    for slug, zh, en, _series in DISTRICTS:
        government = _N(str(AGENCY[f"synthetic/{slug}-government"]))
        district_agency[(slug, MUNICIPAL_GOVERNMENT)] = government
        for t in (_N(str(ORG.Organization)), _N(str(PK.GovernmentAgency)), _N(str(ELI.Agent))):
            yield ox.Quad(government, _TYPE, t, agency_graph)
        yield ox.Quad(government, _PREF, ox.Literal(f"{zh}人民政府", language="zh"), agency_graph)
        yield ox.Quad(government, _PREF, ox.Literal(f"{en} People's Government", language="en"), agency_graph)
        pairs = [("市人民政府", f"{zh}人民政府")]
        for agency in agencies:
            node = _N(str(AGENCY[f"synthetic/{slug}-{agency.slug}"]))
            district_agency[(slug, agency.iri)] = node
            for t in agency.types:
                yield ox.Quad(node, _TYPE, t, agency_graph)
            yield ox.Quad(node, _SUB_ORG, government, agency_graph)
            for label in agency.zh:
                yield ox.Quad(node, _PREF, ox.Literal(_district_zh(label, zh), language="zh"), agency_graph)
                pairs.append((label, _district_zh(label, zh)))
            for label in agency.en:
                yield ox.Quad(node, _PREF, ox.Literal(_district_en(label, en), language="en"), agency_graph)
        # longest first, so that 青岛市财政局 is replaced before 市财政局
        replacements[slug] = sorted(pairs, key=lambda p: -len(p[0]))

    texts = [q.object.value for q in template if q.predicate == _TEXT]
    numbers: dict[tuple[str, int], int] = {}
    for k in range(count):
        slug, zh, en, series = DISTRICTS[k % len(DISTRICTS)]
        year = 2009 + (k // len(DISTRICTS)) % 12
        numbers[(slug, year)] = number = numbers.get((slug, year), 0) + 1 + rng.randrange(3)
        name = f"synthetic-{k:04d}"
        doc_iri = str(DOC[name])
        graph = _N(str(GRAPH[f"synthetic/doc/{k:04d}"]))
        shift = year - TEMPLATE_YEAR
        pairs = replacements[slug]
        shuffled = texts[:]
        rng.shuffle(shuffled)
        text_of = dict(zip(texts, shuffled))

        def rename(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
            if isinstance(term, ox.NamedNode):
                v = term.value
                if v == root or v.startswith(root + "/"):
                    return _N(doc_iri + v[len(root):])
                return district_agency.get((slug, v), term)
            if isinstance(term, ox.Literal) and term.datatype.value == _DATE and shift:
                y, rest = term.value[:4], term.value[4:]
                rest = "-02-28" if rest == "-02-29" else rest
                return ox.Literal(f"{int(y) + shift:04d}{rest}", datatype=term.datatype)
            return term

        def localise(text: str) -> str:
            for old, new in pairs:
                text = text.replace(old, new)
            return text

        for q in template:
            s, p, o = rename(q.subject), q.predicate, q.object
            if p == _ID_LOCAL or p == _TITLE or p == _PASSED_BY:
                continue  # the document's own, below
            if p == _TEXT and isinstance(o, ox.Literal):
                o = ox.Literal(localise(text_of[o.value]), language=o.language) if o.language else \
                    ox.Literal(localise(text_of[o.value]), datatype=o.datatype)
            elif p == _RESPONSIBILITY_TEXT and isinstance(o, ox.Literal):
                o = ox.Literal(localise(o.value), language=o.language) if o.language else \
                    ox.Literal(localise(o.value), datatype=o.datatype)
            else:
                o = rename(o)
            yield ox.Quad(s, p, o, graph)
        doc = _N(doc_iri)
        yield ox.Quad(doc, _ID_LOCAL, ox.Literal(f"{series}〔{year}〕{number}号"), graph)
        yield ox.Quad(doc, _TITLE, ox.Literal(f"{zh}人民政府关于进一步支持小型微型企业健康发展的实施意见（{year}年）"), graph)
        yield ox.Quad(doc, _PASSED_BY, district_agency[(slug, MUNICIPAL_GOVERNMENT)], graph)
        for earlier in sorted(rng.sample(range(k), min(k, 1 + rng.randrange(3)))):
            yield ox.Quad(doc, _CITES, _N(str(DOC[f"synthetic-{earlier:04d}"])), graph)


def write(path: Path, quads: Iterator[ox.Quad]) -> int:
    """Write N-Quads; the number of quads."""
    n = 0

    def counted() -> Iterator[ox.Quad]:
        nonlocal n
        for q in quads:
            n += 1
            yield q

    with open(path, "wb") as out:
        ox.serialize(counted(), out, format=ox.RdfFormat.N_QUADS)
    return n


def built_store(folder: Path) -> ox.Store:
    """The policykg store built into ``folder`` (the template), opened read-only."""
    from policykg.build import build
    from policykg.store import EmbeddedStore

    build(folder)
    return EmbeddedStore(folder).ox


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000, help="about how many quads in all")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", type=Path, required=True, help="N-Quads file to write")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        n = write(args.output, generate(built_store(Path(tmp) / "store"), triples=args.triples, seed=args.seed))
    print(f"{n} quads written to {args.output} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
