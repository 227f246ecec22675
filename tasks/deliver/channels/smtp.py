"""The SMTP channel: one e-mail per recipient with the personal copy attached, over a plain,
STARTTLS or implicit-TLS connection; user and password from environment variables or a Prefect
Secret block (never from the config file, never logged). Transient failures (connection refused,
timeout, 4xx replies) are tried again a bounded number of times; permanent ones (5xx replies,
a certificate that does not verify) fail at once."""
from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from tasks.deliver.channels.base import SendFailed
from tasks.deliver.copies import PersonalCopy
from tasks.deliver.plan import Job
from tasks.deliver.watermark import watermark_text
from tasks.errors import ConfigError
from tasks.operation import Smtp


def _environment(variable: str, key: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(f"delivery.smtp.{key} names the environment variable {variable}, "
                          "which is not set")
    return value


def _secret_block(name: str) -> str:
    # The only Prefect call of the core: a Secret block is where the password may live.
    from prefect.blocks.system import Secret

    try:
        # called from sync code: load returns the block (Prefect types it sync or async)
        value = Secret.load(name).get()  # type: ignore[union-attr]
    except Exception as exc:   # noqa: BLE001 - any failure to load is the same error for the user
        raise ConfigError(f"delivery.smtp.secret_block: the Prefect Secret block {name!r} "
                          f"cannot be loaded ({type(exc).__name__})") from None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"delivery.smtp.secret_block: the Prefect Secret block {name!r} "
                          "must hold the password as text")
    return value


def credentials(smtp: Smtp) -> tuple[str, str] | None:
    """(user, password) for SMTP AUTH, or None when the server takes mail without it."""
    if smtp.username_env is None:
        return None
    user = _environment(smtp.username_env, "username_env")
    if smtp.password_env is not None:
        return user, _environment(smtp.password_env, "password_env")
    return user, _secret_block(str(smtp.secret_block))


def message(job: Job, copy: PersonalCopy, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr((job.recipient.name, job.recipient.email))
    mail["Subject"] = f"{copy.title} - personal copy {copy.copy_id}"
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    mail.set_content(
        f"Dear {job.recipient.name},\n\n"
        f"attached is your personal copy of {copy.title}.\n"
        f"Every page reads \"{watermark_text(job.recipient.name, copy.copy_id)}\": the copy is\n"
        "recorded as delivered to you. Please do not forward it; anyone else who needs the\n"
        "report receives their own copy.\n")
    mail.add_attachment(copy.data, maintype="application", subtype="pdf", filename=copy.file_name)
    return mail


def _permanent(exc: Exception) -> bool:
    """A failure that trying again cannot cure."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, (ssl.SSLCertVerificationError, smtplib.SMTPNotSupportedError))


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"refused {address}: {code} {text.decode('utf-8', 'replace')}"
                         for address, (code, text) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


class SmtpChannel:
    name = "smtp"

    def __init__(self, smtp: Smtp, sleep: Callable[[float], None] = time.sleep) -> None:
        if smtp.sender is None:
            raise ConfigError("delivery.smtp.sender: the channel smtp needs the From address")
        self.smtp = smtp
        self.sender = smtp.sender
        self.login = credentials(smtp)
        self.context = (ssl.create_default_context(cafile=smtp.ca_file)
                        if smtp.security != "none" else None)
        self.sleep = sleep

    def _connect(self) -> smtplib.SMTP:
        smtp = self.smtp
        if smtp.security == "tls":
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                    context=self.context)
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        if smtp.security == "starttls":
            try:
                server.starttls(context=self.context)
            except BaseException:
                server.close()
                raise
        return server

    def _send_once(self, mail: EmailMessage, to: str) -> None:
        server = self._connect()
        try:
            if self.login is not None:
                server.login(*self.login)
            refused = server.send_message(mail, from_addr=self.sender, to_addrs=[to])
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        finally:
            try:
                server.quit()          # the message is accepted already: a failed goodbye is not
            except (smtplib.SMTPException, OSError):
                server.close()

    def send(self, job: Job, copy: PersonalCopy) -> str:
        mail = message(job, copy, self.sender)
        attempt = 0
        while True:
            attempt += 1
            try:
                self._send_once(mail, job.recipient.email)
                return f"smtp://{self.smtp.host}:{self.smtp.port} {mail['Message-ID']}"
            except (smtplib.SMTPException, OSError) as exc:
                where = f"SMTP server {self.smtp.server()}"
                if _permanent(exc):
                    raise SendFailed(where, job, _reason(exc)) from None
                if attempt > self.smtp.retries:
                    raise SendFailed(where, job, f"{_reason(exc)} ({attempt} attempt(s))") from None
            self.sleep(self.smtp.retry_delay_seconds)
