"""Where each setting of ``cargobay serve`` comes from: flag, then environment, then config file.

Every setting ``serve`` takes can be given three ways; the first found wins:

1. the command-line flag (``--port 9001``);
2. the environment variable ``CARGOBAY_<NAME>`` (``CARGOBAY_PORT=9001``; yes/no settings take
   ``1/true/yes/on`` or ``0/false/no/off``);
3. the TOML file named by ``--config FILE`` (or ``CARGOBAY_CONFIG``), in its ``[serve]`` table
   (``port = 9001``, ``no_fsync = true``, ``min_part_size = "8M"``); keys are the flag names,
   with ``_`` or ``-``.

then the built-in default. :data:`SETTINGS` is the one table of names, types and defaults; the
README's table is written from it. An unknown key, a value of the wrong type or a file that is
not TOML is a one-line usage error naming the file and the key. Parsing uses the standard
library's ``tomllib``.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cargobay.errors import UsageError


def parse_size(text: str) -> int:
    """``5242880``, ``5M``, ``64K``, ``1G`` → bytes (binary units)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    try:
        if text and text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (examples: 5242880, 5M, 64K)") from None


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"not yes or no: {text!r} (use 1/0, true/false, yes/no, on/off)")


def _choice(*allowed: str) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return check


@dataclass(frozen=True)
class Setting:
    name: str  # the argparse dest; flag --name-with-dashes, variable CARGOBAY_NAME, TOML key name
    kind: type  # the Python type in the file (int settings also take a string there, as sizes do)
    default: Any
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return f"CARGOBAY_{self.name.upper()}"


SETTINGS = (
    Setting("dir", str, "./cargobay-data"),
    Setting("host", str, "127.0.0.1"),
    Setting("port", int, 9000, int),
    Setting("region", str, "us-east-1"),
    Setting("access_key", str, None),
    Setting("secret_key", str, None),
    Setting("users", str, None),
    Setting("no_auth", bool, False, _bool),
    Setting("follow_symlinks", bool, False, _bool),
    Setting("no_fsync", bool, False, _bool),
    Setting("sse_s3", bool, False, _bool),
    Setting("min_part_size", int, 5 << 20, parse_size),
    Setting("upload_expiry", float, 7.0, float),
    Setting("lifecycle_interval", float, 3600.0, float),
    Setting("log_delivery_interval", float, 60.0, float),
    Setting("tls_cert", str, None),
    Setting("tls_key", str, None),
    Setting("tls_self_signed", bool, False, _bool),
    Setting("domain", str, None),
    Setting("console", bool, None, _bool),  # None: on when listening on loopback
    Setting("log_level", str, "info", _choice("debug", "info", "warning", "error")),
    Setting("log_format", str, "text", _choice("text", "json")),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def unset_defaults(parser: argparse.ArgumentParser) -> None:
    """Make every setting's flag default to None, so "not given" can be told from a value."""
    parser.set_defaults(**{s.name: None for s in SETTINGS})


def load_file(path: str) -> dict[str, Any]:
    """The ``[serve]`` table of a TOML file, keys normalised to ``_``; errors name the file."""
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    table = doc.get("serve", {})
    extra = sorted(set(doc) - {"serve"})
    if extra or not isinstance(table, dict):
        raise UsageError(f"config file {path}: settings go in a [serve] table (found {', '.join(extra) or 'serve'})")
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        setting = _BY_NAME.get(name)
        if setting is None:
            raise UsageError(f"config file {path}: unknown setting {key!r} (known: {', '.join(_BY_NAME)})")
        values[name] = _from_file(path, key, setting, value)
    return values


def _from_file(path: str, key: str, setting: Setting, value: Any) -> Any:
    try:
        if setting.kind is bool:
            if not isinstance(value, bool):
                raise ValueError(f"{value!r} is not true or false")
            return value
        if setting.kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if setting.kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            return setting.parse(value)
        raise ValueError(f"{value!r} is not a {setting.kind.__name__}")
    except ValueError as exc:
        raise UsageError(f"config file {path}: {key}: {exc}") from None


def resolve(args: argparse.Namespace, environ: Mapping[str, str], config: str | None) -> dict[str, str]:
    """Fill every setting of ``args`` (flag > ``CARGOBAY_*`` > file > default) in place; returns
    where each came from (``flag``, ``environment``, the file's path, or ``default``)."""
    path = config or environ.get("CARGOBAY_CONFIG") or None
    from_file = load_file(path) if path else {}
    origin: dict[str, str] = {}
    for setting in SETTINGS:
        if getattr(args, setting.name, None) is not None:
            origin[setting.name] = "flag"
            continue
        raw = environ.get(setting.env)
        if raw is not None and raw != "":
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise UsageError(f"{setting.env}: {exc}") from None
            origin[setting.name] = "environment"
        elif setting.name in from_file:
            value = from_file[setting.name]
            origin[setting.name] = str(path)
        else:
            value = setting.default
            origin[setting.name] = "default"
        setattr(args, setting.name, value)
    return origin
