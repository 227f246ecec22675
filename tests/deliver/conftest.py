"""Fixtures of the delivery tests: a small published version made by hand (two PDFs, both
manifests, verify passes), delivery settings, a loopback SMTP server (aiosmtpd) with a
certificate made here, and the mail it received parsed back."""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import ipaddress
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest
import weasyprint
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tasks.config import DEFAULTS_FILE, deep_merge
from tasks.operation import Delivery
from tasks.publish.canonical import write_json
from tasks.publish.contents import open_manifest
from tasks.publish.manifest import file_hashes
from tasks.publish.verify import verify_version
from tasks.report import formatting as fmt
from tasks.report.render import PDF_VARIANT

CUTOFF = "2026-10-31"
ORR = {"n": 10, "responders": 3, "rate": 0.3, "ci_low": 0.06673951117773447,
       "ci_high": 0.6524528500599973}
CLOSED_ORR = fmt.rate_ci(ORR["rate"], ORR["ci_low"], ORR["ci_high"])      # "30.0 (6.7, 65.2)"
CLOSED_PAGES = 3                     # A4 portrait, landscape, portrait
OPEN_PAGES = 2


def _pdf(path: Path, title: str, pages: list[tuple[str, str]],
         attachments: dict[str, Path]) -> None:
    """A PDF/A-3b with one page per (size, text) and the files attached, as the reports are."""
    css = "".join(f"@page p{i} {{ size: A4 {size} }} .p{i} {{ page: p{i}; }}"
                  for i, (size, _) in enumerate(pages))
    body = "".join(f'<div class="p{i}" style="break-after: page"><h1>{title}</h1>'
                   f"<p>{text}</p></div>" for i, (_, text) in enumerate(pages))
    html = weasyprint.HTML(string=f"<html><head><title>{title}</title><style>{css}</style></head>"
                                  f"<body>{body}</body></html>")
    html.write_pdf(path, pdf_variant=PDF_VARIANT, attachments=[
        weasyprint.Attachment(string=p.read_bytes(), name=name, relationship="Data")
        for name, p in attachments.items()])


def make_version(reports: Path) -> Path:
    """REPORTS/2026-10-31/v1 with a closed report (an ORR and a verdict) and an open package."""
    version = reports / CUTOFF / "v1"
    (version / "open").mkdir(parents=True)
    write_json(version / "results.json", {
        "cutoff": CUTOFF, "version": 1, "study": "TEST-1", "efficacy": {"orr": ORR},
        "monitoring": {"simon": {"stage1": {"verdict": "CONTINUE"}}}})
    write_json(version / "open" / "open-results.json",
               {"cutoff": CUTOFF, "version": 1, "study": "TEST-1", "populations": {"enrolled": 12}})
    write_json(version / "open" / "open-manifest.json", open_manifest(version, CUTOFF, 1))
    _pdf(version / "report-closed.pdf", "TEST-1 DSMB closed report",
         [("portrait", f"Objective response rate {CLOSED_ORR}"),
          ("landscape", "Simon stage 1: CONTINUE"), ("portrait", "Safety by arm")],
         {"results.json": version / "results.json"})
    _pdf(version / "open" / "report-open.pdf", "TEST-1 DSMB open report",
         [("portrait", "Accrual: 12 subjects enrolled"), ("portrait", "Data quality")],
         {n: version / "open" / n for n in ("open-results.json", "open-manifest.json")})
    write_json(version / "manifest.json", {"cutoff": CUTOFF, "version": 1, "previous": None,
                                           "files": file_hashes(version)})
    assert verify_version(version) == []
    return version


@pytest.fixture(scope="session")
def version_template(tmp_path_factory) -> Path:
    return make_version(tmp_path_factory.mktemp("template") / "reports")


@pytest.fixture
def version(version_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the small published version, in its own reports root."""
    reports = tmp_path / "reports"
    shutil.copytree(version_template.parent.parent, reports)
    return reports / CUTOFF / "v1"


CLOSED = [{"name": "Ada Lovelace", "email": "ada@dsmb.example.org", "role": "DSMB chair"},
          {"name": "Florence Nightingale", "email": "florence@stats.example.org",
           "role": "independent statistician"}]
OPEN = [{"name": "Alan Turing", "email": "alan@sponsor.example.com", "role": "sponsor"}]


@pytest.fixture
def make_settings(tmp_path: Path):
    """The `delivery:` section: defaults.yaml's, a root in tmp_path, CLOSED and OPEN, `changes`
    merged over it (the way a config file merges)."""
    defaults = yaml.safe_load(DEFAULTS_FILE.read_text())["delivery"]

    def make(**changes) -> Delivery:
        return Delivery.model_validate(deep_merge(defaults, {
            "root": str(tmp_path / "outbox"), "closed": CLOSED, "open": OPEN, **changes}))
    return make


def pdftotext_pages(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page as poppler's pdftotext reads it."""
    path = tmp_path / f"pdftotext-{abs(hash(data))}.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]       # pdftotext ends every page with a form feed


@pytest.fixture
def page_texts(tmp_path: Path):
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (Debian poppler-utils) is missing: `make system` installs it")
    return lambda data: pdftotext_pages(data, tmp_path)


# --- a loopback SMTP server ----------------------------------------------------------------------

@dataclass
class Mailbox:
    """aiosmtpd handler: keeps every message; can refuse addresses or stall before answering."""
    refuse: set[str] = field(default_factory=set)
    stall_seconds: float = 0.0
    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    attempts: int = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.attempts += 1
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.stall_seconds:
            await asyncio.sleep(self.stall_seconds)
            return "451 4.3.0 too late"
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted"

    def attachment(self, address: str) -> tuple[str, bytes]:
        """(file name, bytes) of the one PDF the one message to `address` carried."""
        [message] = [m for rcpts, m in self.messages if address in rcpts]
        [part] = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
        return part.get_filename(), part.get_payload(decode=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, made here (the client trusts it
    through delivery.smtp.ca_file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return Certificate(folder / "cert.pem", folder / "key.pem")


class SmtpServer:
    """A running aiosmtpd on 127.0.0.1; `settings` is the matching delivery.smtp section."""

    def __init__(self, security: str, certificate: Certificate | None,
                 login: tuple[str, str] | None):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.logins: list[str] = []
        kwargs: dict = {}
        if security == "starttls":
            kwargs.update(tls_context=certificate.server_context(), require_starttls=True)
        if security == "tls":
            kwargs.update(ssl_context=certificate.server_context())
        if login is not None:
            # aiosmtpd counts only STARTTLS as TLS for auth_require_tls, not an implicit-TLS socket
            kwargs.update(authenticator=self._authenticator(login),
                          auth_require_tls=security == "starttls")
        self.kwargs = kwargs
        self.controller: Controller | None = None
        self.smtp = {"host": "127.0.0.1", "port": self.port, "security": security,
                     "sender": "interim@trial.example.org", "timeout_seconds": 5, "retries": 2,
                     "retry_delay_seconds": 0,
                     **({"ca_file": str(certificate.cert)} if certificate else {})}

    def start(self) -> None:
        """A new server on the same port (an aiosmtpd controller does not start twice)."""
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port,
                                     server_hostname="localhost", **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def _authenticator(self, login: tuple[str, str]):
        def check(server, session, envelope, mechanism, auth_data):
            self.logins.append(auth_data.login.decode())
            ok = (auth_data.login.decode(), auth_data.password.decode()) == login
            return AuthResult(success=ok, handled=False)
        return check


@pytest.fixture
def smtp_server(certificate):
    """Start a loopback SMTP server: smtp_server(security, login=None)."""
    started: list[SmtpServer] = []

    def start(security: str = "none", login: tuple[str, str] | None = None) -> SmtpServer:
        server = SmtpServer(security, certificate if security != "none" else None, login)
        server.start()
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()
