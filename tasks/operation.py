"""How a run is operated: the config's source, reports, schedule and delivery sections.

None of it changes a number, a table or a report: the manifest records it apart from the analysis
config, and it is not in the analysis config's digest (the derivation cache key)."""
from __future__ import annotations

import codecs
import os
import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A plain address (local@domain.tld): what a recipient list needs, not all of RFC 5322. No '/':
# an address is also a folder name of the folder channel (and a header of an e-mail).
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Where a secret may be named (never given): any other key that looks like one is refused.
SECRET_KEY = re.compile(r"pass|secret|token", re.IGNORECASE)
SECRET_REFERENCES = {"password_env", "secret_block", "username_env"}
Audience = Literal["closed", "open"]
AUDIENCES: tuple[Audience, ...] = ("closed", "open")


def _address(value: str) -> str:
    if not EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address (name@example.org)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    root: str
    ready_marker: str
    narrative_file: str          # the independent statistician's summary, read beside the cut
    read_retries: int = Field(ge=0)
    read_retry_delay_seconds: float = Field(ge=0)
    wait_retries: int = Field(ge=0)
    wait_interval_seconds: float = Field(ge=0)
    encoding: str

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r} (e.g. utf-8, cp1252, "
                             "latin-1)") from None
        return value


class Reports(_Strict):
    root: str


class Schedule(_Strict):
    cron: str
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. "
                             "Asia/Shanghai)") from None
        return value


class Recipient(_Strict):
    name: str = Field(min_length=1)
    email: str
    role: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _address(value)

    @field_validator("name", "role")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # printed on every page of a copy and written into e-mail headers: one line only
        if _CONTROL.search(value):
            raise ValueError(f"{value!r} holds a line break or control character")
        return value.strip()

    def label(self) -> str:
        return f"{self.name} <{self.email}>"


class Smtp(_Strict):
    host: str
    port: int = Field(ge=1, le=65535)
    security: Literal["none", "starttls", "tls"]
    sender: str | None
    username_env: str | None
    password_env: str | None
    secret_block: str | None
    ca_file: str | None                # a PEM CA bundle trusted instead of the system's
    timeout_seconds: float = Field(gt=0)
    retries: int = Field(ge=0, le=10)
    retry_delay_seconds: float = Field(ge=0)

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return value if value is None else _address(value)

    @model_validator(mode="after")
    def _credentials(self) -> Smtp:
        if self.password_env and self.secret_block:
            raise ValueError("password_env and secret_block: name one place for the password")
        has_password = bool(self.password_env or self.secret_block)
        if has_password != bool(self.username_env):
            raise ValueError("username_env and a password (password_env or secret_block) go "
                             "together")
        if has_password and self.security == "none":
            raise ValueError("a password is never sent over an unencrypted connection: "
                             "security must be starttls or tls")
        return self

    def server(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


class Delivery(_Strict):
    channel: Literal["folder", "smtp"]
    root: str
    smtp: Smtp
    approval_timeout_hours: float = Field(gt=0)
    closed: tuple[Recipient, ...]
    open: tuple[Recipient, ...]

    @model_validator(mode="before")
    @classmethod
    def _no_secret_in_the_file(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for path in _key_paths(data):
                key = path.rsplit(".", 1)[-1]
                if SECRET_KEY.search(key) and key not in SECRET_REFERENCES:
                    raise ValueError(
                        f"{path}: a password is never written in a config file; name the "
                        "environment variable that holds it (smtp.password_env) or a Prefect "
                        "Secret block (smtp.secret_block)")
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:   # most likely a misspelt or an invented audience
                raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}; the audiences "
                                 f"are {' and '.join(AUDIENCES)}")
        return data

    @model_validator(mode="after")
    def _audiences_apart(self) -> Delivery:
        for audience in ("closed", "open"):
            emails = [r.email.lower() for r in getattr(self, audience)]
            twice = sorted({e for e in emails if emails.count(e) > 1})
            if twice:
                raise ValueError(f"{audience}: {', '.join(twice)} listed more than once")
        both = {r.email.lower() for r in self.closed} & {r.email.lower() for r in self.open}
        if both:
            raise ValueError(f"{', '.join(sorted(both))} in both the closed and the open audience: "
                             "a recipient stands in one audience only")
        if self.channel == "smtp" and self.smtp.sender is None:
            raise ValueError("channel smtp needs smtp.sender (the From address)")
        return self

    def recipients(self, audience: str) -> tuple[Recipient, ...]:
        return self.closed if audience == "closed" else self.open


class Operation(_Strict):
    """Where cuts come from and reports go, how reads are retried, when the monthly flow runs,
    to whom reports are delivered."""
    source: Source
    reports: Reports
    schedule: Schedule
    delivery: Delivery


def _key_paths(data: Any, prefix: str = "") -> list[str]:
    """The dotted path of every mapping key in nested mappings and lists (list items by index)."""
    if isinstance(data, dict):
        return [path for key, value in data.items()
                for path in (f"{prefix}{key}", *_key_paths(value, f"{prefix}{key}."))]
    if isinstance(data, (list, tuple)):
        return [path for i, value in enumerate(data) for path in _key_paths(value, f"{prefix}{i}.")]
    return []


def local_or_url(location: str) -> str:
    """A root or folder as the user named it: an fsspec URL (scheme://...) as it is, a local path
    made absolute against the working folder (~ expanded)."""
    if "://" in location:
        return location
    return os.path.abspath(os.path.expanduser(location))
