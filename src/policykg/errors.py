"""The one exception hierarchy of policykg.

Every error a user can cause is a :class:`PolicyKGError` carrying a one-line message and,
where it helps, a ``location`` pointing into the input (``file:line``, a JSON path, a query
position). The CLI maps them to exit code 2 and a single line on stderr; the server maps them
to a 4xx JSON body using ``status``.
"""

from __future__ import annotations


class PolicyKGError(Exception):
    """Base class of every error policykg raises on purpose."""

    code = "error"
    status = 500

    def __init__(self, message: str, *, location: str | None = None, see: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.see = see

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.see:
            text += f" (see {self.see})"
        return text


class ConfigError(PolicyKGError):
    """A setting or option has a value that cannot be used."""

    code = "config"
    status = 400


class LoadError(PolicyKGError):
    """An input file (Turtle, text, JSON) cannot be read or parsed."""

    code = "load"
    status = 400


class IngestError(LoadError):
    """A policy text is malformed: the location names the line."""

    code = "ingest"


class StoreError(PolicyKGError):
    """The graph store cannot be opened, built or reached."""

    code = "store"
    status = 503


class OntologyError(PolicyKGError):
    """The ontology could not be loaded or is inconsistent."""

    code = "ontology"
    status = 500


class ValidationFailure(PolicyKGError):
    """Validation could not run (non-conformance is a result, never this exception)."""

    code = "validation"
    status = 500


class QueryError(PolicyKGError):
    """A SPARQL query is malformed or cannot be evaluated."""

    code = "query"
    status = 400


class QueryNotFound(QueryError):
    """No named query has that id and no file has that path."""

    code = "query-not-found"
    status = 404


class QueryParameterError(QueryError):
    """A query parameter is missing, undeclared or has a value of the wrong type."""

    code = "query-parameter"
    status = 400


class ReadOnlyError(QueryError):
    """An update or other write was sent to a read-only store or endpoint."""

    code = "read-only"
    status = 403


class QueryTimeout(QueryError):
    """A query ran past its wall-clock limit and was stopped."""

    code = "timeout"
    status = 503


class EligibilityError(PolicyKGError):
    """An enterprise profile cannot be evaluated."""

    code = "eligibility"
    status = 400


class ProfileError(EligibilityError):
    """An enterprise profile is malformed."""

    code = "profile"


class MissingFact(EligibilityError):
    """A fact a benefit needs is missing from the profile."""

    code = "missing-fact"
