"""The explorer for researchers: server-rendered HTML pages over the knowledge graph, mounted into
``policykg serve`` next to the SPARQL endpoint (see docs/explorer.md and :mod:`policykg.explorer.routes`).
"""
