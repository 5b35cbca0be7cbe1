"""Where the client finds its server and credential: flags > environment > config file.

The config file is ``$KAIROS_CLIENT_CONFIG``, else ``$XDG_CONFIG_HOME/kairos/client.toml``
(``~/.config/kairos/client.toml``). ``login`` writes it (mode 0600); a refreshed token pair
is written back, so a signed-in client keeps working past the access token's lifetime.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:3001"
KEYS = ("url", "access_token", "refresh_token", "api_key", "email", "org_id")


def config_path(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("KAIROS_CLIENT_CONFIG"):
        return Path(os.environ["KAIROS_CLIENT_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "kairos" / "client.toml"


def read_file(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return {k: v for k, v in data.items() if k in KEYS and isinstance(v, str)}


def write_file(path: Path, values: dict) -> None:
    """Write the keys we know as TOML strings (JSON string escaping is valid TOML)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Written by `kairos client login`; holds credentials: keep it private.\n"]
    lines += [f"{k} = {json.dumps(values[k])}\n" for k in KEYS if values.get(k)]
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.writelines(lines)
    os.replace(tmp, path)


@dataclass
class ClientConfig:
    url: str = DEFAULT_URL
    token: str | None = None  # an access token or an API key: sent the same way
    refresh_token: str | None = None
    path: Path | None = None
    from_file: bool = False  # only a credential read from the file is refreshed and saved
    file_values: dict = field(default_factory=dict)

    @property
    def ws_url(self) -> str:
        base = self.url.rstrip("/")
        scheme, _, rest = base.partition("://")
        return ("wss" if scheme == "https" else "ws") + "://" + rest + "/api/v1/ws"

    def save_tokens(self, access: str, refresh: str | None) -> None:
        self.token, self.refresh_token = access, refresh
        if self.from_file and self.path is not None:
            values = {**self.file_values, "access_token": access, "refresh_token": refresh}
            write_file(self.path, values)
            self.file_values = values


def resolve(
    url: str | None, token: str | None, api_key: str | None, config: str | None
) -> ClientConfig:
    path = config_path(config)
    values = read_file(path)
    cfg = ClientConfig(path=path, file_values=values)
    cfg.url = (url or os.environ.get("KAIROS_URL") or values.get("url") or DEFAULT_URL).rstrip("/")
    explicit = (
        token or api_key or os.environ.get("KAIROS_TOKEN") or os.environ.get("KAIROS_API_KEY")
    )
    if explicit:
        cfg.token = explicit
    elif values.get("api_key"):
        cfg.token, cfg.from_file = values["api_key"], True
    elif values.get("access_token"):
        cfg.token, cfg.from_file = values["access_token"], True
        cfg.refresh_token = values.get("refresh_token")
    return cfg
