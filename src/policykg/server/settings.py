"""Settings of the endpoint: every limit has a documented default, an environment variable and a CLI option.

=========================  ===============================  =========  =============================================
setting                    environment variable             default    meaning
=========================  ===============================  =========  =============================================
host                       POLICYKG_HOST                    127.0.0.1  interface to bind (loopback unless told)
port                       POLICYKG_PORT                    8000       0 picks a free port
store                      POLICYKG_STORE                   user data  the store folder (built on first use)
timeout                    POLICYKG_QUERY_TIMEOUT           10         seconds of wall clock per query (then killed)
max_rows                   POLICYKG_MAX_ROWS                10000      rows (or triples) per result; more = truncated
max_body                   POLICYKG_MAX_BODY                1000000    bytes of request body (and of a GET query)
workers                    POLICYKG_WORKERS                 4          query worker processes (~35 MB each)
max_concurrent             POLICYKG_MAX_CONCURRENT          16         queries at once, spread over the workers; more = 503
in_memory                  POLICYKG_IN_MEMORY               auto       each worker answers from a copy of the store in
                                                                       memory: yes, no, or auto (yes up to 2 million
                                                                       quads; ~0.6 GB per million quads per worker)
cors_origins               POLICYKG_CORS_ORIGINS            *          comma-separated origins allowed by CORS
allow_update               POLICYKG_ALLOW_UPDATE            false      accept SPARQL Update (needs update_token)
update_token               POLICYKG_UPDATE_TOKEN            (none)     bearer token updates must present
=========================  ===============================  =========  =============================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError

ENV = {
    "host": "POLICYKG_HOST",
    "port": "POLICYKG_PORT",
    "store": "POLICYKG_STORE",
    "timeout": "POLICYKG_QUERY_TIMEOUT",
    "max_rows": "POLICYKG_MAX_ROWS",
    "max_body": "POLICYKG_MAX_BODY",
    "workers": "POLICYKG_WORKERS",
    "max_concurrent": "POLICYKG_MAX_CONCURRENT",
    "in_memory": "POLICYKG_IN_MEMORY",
    "cors_origins": "POLICYKG_CORS_ORIGINS",
    "allow_update": "POLICYKG_ALLOW_UPDATE",
    "update_token": "POLICYKG_UPDATE_TOKEN",
}


@dataclass(frozen=True)
class Settings:
    """What ``policykg serve`` runs with. Build with :meth:`from_env` then :meth:`with_options`."""

    host: str = "127.0.0.1"
    port: int = 8000
    store: Path | None = None
    timeout: float = 10.0
    max_rows: int = 10_000
    max_body: int = 1_000_000
    workers: int = 4
    max_concurrent: int = 16
    in_memory: str = "auto"
    cors_origins: tuple[str, ...] = ("*",)
    allow_update: bool = False
    update_token: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port {self.port} is not between 0 and 65535")
        if self.timeout <= 0:
            raise ConfigError(f"timeout must be positive, not {self.timeout}")
        for name in ("max_rows", "max_body", "workers", "max_concurrent"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, not {getattr(self, name)}")
        from ..store import MEMORY_MODES

        if self.in_memory not in MEMORY_MODES:
            raise ConfigError(f"in_memory must be one of {', '.join(MEMORY_MODES)}, not {self.in_memory!r}")
        if self.max_concurrent < self.workers:
            object.__setattr__(self, "max_concurrent", self.workers)
        if self.allow_update and not self.update_token:
            raise ConfigError("--allow-update needs --update-token (or POLICYKG_UPDATE_TOKEN): "
                              "updates are only accepted from clients that present the token")

    @property
    def store_path(self) -> Path:
        from ..store import default_store_path

        return self.store or default_store_path()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by the ``POLICYKG_*`` environment variables."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV[f.name])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, raw, ENV[f.name])
        return cls(**values)

    def with_options(self, **options: Any) -> Settings:
        """A copy with the options that were given (None means 'not given')."""
        given = {k: v for k, v in options.items() if v is not None}
        return replace(self, **given)


def _convert(name: str, raw: str, var: str) -> Any:
    try:
        if name in ("port", "max_rows", "max_body", "workers", "max_concurrent"):
            return int(raw)
        if name == "timeout":
            return float(raw)
        if name == "store":
            return Path(raw).expanduser()
        if name == "cors_origins":
            return tuple(o.strip() for o in raw.split(",") if o.strip())
        if name == "in_memory":
            from ..store import MEMORY_MODES

            mode = {"1": "yes", "true": "yes", "on": "yes", "0": "no", "false": "no", "off": "no"}.get(
                raw.lower(), raw.lower())
            if mode not in MEMORY_MODES:
                raise ValueError(raw)
            return mode
        if name == "allow_update":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
    except ValueError:
        raise ConfigError(f"{var}={raw!r} is not a valid value for {name}") from None
    return raw
