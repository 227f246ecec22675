"""The `delivery:` section of the configuration: channel, folder root, SMTP server, and the
recipients of each audience. No password is ever part of it (docs/delivery.md)."""
from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

AUDIENCES = ("closed", "open")
Audience = Literal["closed", "open"]
# Conservative on purpose: an address is also a folder name of the folder channel and a header of
# an e-mail, so no '/', spaces, double quotes, angle brackets or control characters.
_EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+=?^_`{|}~-]+)*"
                    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SECRET_KEY = re.compile(r"pass|secret|token|credential", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def email_problem(address: str) -> str | None:
    """Why `address` is not an e-mail address interim sends to; None when it is one."""
    if not _EMAIL.fullmatch(address):
        return f"{address!r} is not an e-mail address (name@domain.tld)"
    return None


class Recipient(_Strict):
    name: str = Field(min_length=1, max_length=120)
    email: str
    role: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if problem := email_problem(value):
            raise ValueError(problem)
        return value

    @field_validator("name", "role")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # printed on every page and written into e-mail headers: one line of text only
        if _CONTROL.search(value):
            raise ValueError(f"{value!r} holds a line break or control character")
        return value.strip()

    def label(self) -> str:
        return f"{self.name} <{self.email}>"


class Smtp(_Strict):
    host: str = "localhost"
    port: int = Field(25, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "none"
    sender: str = "interim@localhost.localdomain"
    username_env: str | None = None    # environment variable holding the user name
    password_env: str | None = None    # environment variable holding the password, or ...
    secret_block: str | None = None    # ... a Prefect Secret block holding it
    ca_file: str | None = None         # CA bundle to trust (PEM) instead of the system's
    timeout_seconds: float = Field(30, gt=0)
    retries: int = Field(2, ge=0, le=10)
    retry_delay_seconds: float = Field(5, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _no_secret_in_config(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in data:
                if _SECRET_KEY.search(str(key)) and key not in ("password_env", "secret_block"):
                    raise ValueError(f"{key!r}: a password is never written in a config file; name "
                                     "an environment variable (password_env) or a Prefect Secret "
                                     "block (secret_block) that holds it")
        return data

    @model_validator(mode="after")
    def _credentials(self) -> "Smtp":
        if self.password_env and self.secret_block:
            raise ValueError("password_env and secret_block: name one place for the password")
        has_password = bool(self.password_env or self.secret_block)
        if has_password != bool(self.username_env):
            raise ValueError("username_env and a password (password_env or secret_block) go "
                             "together")
        if has_password and self.security == "none":
            raise ValueError("a password is never sent over an unencrypted connection: "
                             "security must be starttls or tls")
        if problem := email_problem(self.sender):
            raise ValueError(f"sender: {problem}")
        return self

    def server(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


class Delivery(_Strict):
    channel: Literal["folder", "smtp"] = "folder"
    root: str = "outbox"               # folder channel: ROOT/<audience>/<e-mail>/ (path or URL)
    smtp: Smtp = Field(default_factory=Smtp)
    approval_timeout_hours: float = Field(72, gt=0)   # how long a scheduled run waits for approval
    closed: tuple[Recipient, ...] = ()
    open: tuple[Recipient, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _known_audiences(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:
                raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}; the audiences "
                                 f"are {' and '.join(AUDIENCES)}")
        return data

    @model_validator(mode="after")
    def _one_audience_each(self) -> "Delivery":
        seen: dict[str, str] = {}
        for audience in AUDIENCES:
            for recipient in self.recipients(audience):
                key = recipient.email.lower()
                if key in seen:
                    where = ("both audiences" if seen[key] != audience
                             else f"the {audience} audience twice")
                    raise ValueError(f"{recipient.email} is in {where}: a recipient stands in one "
                                     "audience, once")
                seen[key] = audience
        return self

    def recipients(self, audience: str) -> tuple[Recipient, ...]:
        return self.closed if audience == "closed" else self.open
