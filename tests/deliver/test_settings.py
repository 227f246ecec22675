"""The `delivery:` section (tasks/operation.py) as delivery relies on it, beyond the key-naming
tests of tests/test_config.py: the addresses an address may not be, one-line names, credentials
only in pairs and only over TLS, an unknown audience, the demo recipients of the trial config."""
from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from tasks.config import load_settings
from tasks.errors import ConfigError
from tasks.operation import Recipient

ADA = {"name": "Ada Lovelace", "email": "ada@dsmb.example.org", "role": "DSMB chair"}


def _delivery(tmp_path, delivery: dict):
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump({"delivery": delivery}))
    return load_settings(path).operation.delivery


def test_a_partial_delivery_section_keeps_the_other_defaults(tmp_path):
    delivery = _delivery(tmp_path, {"open": [ADA]})
    assert [r.email for r in delivery.open] == ["ada@dsmb.example.org"]
    assert len(delivery.closed) == 3                        # the trial's demo recipients
    assert (delivery.channel, delivery.root, delivery.smtp.retries,
            delivery.smtp.timeout_seconds, delivery.approval_timeout_hours) == \
        ("folder", "outbox", 2, 30, 72)


@pytest.mark.parametrize("address", ["ada", "ada@", "@example.org", "ada@localhost", "ada@@x.org",
                                     "ada lovelace@x.org", "ada@x..org", "a/b@x.org", "ada@x.org\n",
                                     "<ada@x.org>", "ada@-x.org"])
def test_a_malformed_address_is_refused(address):
    with pytest.raises(ValidationError, match="is not an e-mail address"):
        Recipient(name="Ada", email=address)


@pytest.mark.parametrize("address", ["ada@dsmb.example.org", "a.b+dsmb@x.co.uk", "o'neil@x-y.org"])
def test_a_wellformed_address_is_taken(address):
    assert Recipient(name="Ada", email=address).label() == f"Ada <{address}>"


def test_a_name_with_a_line_break_is_refused():
    with pytest.raises(ValidationError, match="line break or control character"):
        Recipient(name="Ada\nBcc: eve@x.org", email="ada@x.org")


def test_an_unknown_audience_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown key.*'sponsor'.*audiences are closed and open"):
        _delivery(tmp_path, {"sponsor": [ADA]})


@pytest.mark.parametrize("smtp, message", [
    ({"security": "starttls", "password_env": "P"}, "go together"),
    ({"security": "tls", "username_env": "U", "password_env": "P", "secret_block": "b"},
     "name one place for the password"),
    ({"security": "none", "username_env": "U", "password_env": "P"},
     "never sent over an unencrypted connection"),
])
def test_credentials_come_in_pairs_and_only_over_tls(tmp_path, smtp, message):
    with pytest.raises(ConfigError, match=message):
        _delivery(tmp_path, {"smtp": smtp})


def test_a_password_from_a_secret_block_over_tls_loads(tmp_path):
    smtp = _delivery(tmp_path, {"smtp": {"security": "tls", "username_env": "U",
                                         "secret_block": "interim-smtp"}}).smtp
    assert (smtp.secret_block, smtp.server()) == ("interim-smtp", "localhost:25 (tls)")


def test_the_trial_config_names_demo_recipients_in_each_audience():
    delivery = load_settings().operation.delivery
    assert {r.role for r in delivery.closed} >= {"DSMB chair", "independent statistician"}
    assert len(delivery.open) == 2
    assert all(r.email.endswith("@example.org") for r in (*delivery.closed, *delivery.open))
