"""The `delivery:` section: recipients per audience, e-mail syntax, one audience per recipient,
no password in a config file; and the defaults every config inherits."""
from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from tasks.config import load_config
from tasks.deliver.settings import Delivery, Smtp, email_problem
from tasks.errors import ConfigError

ADA = {"name": "Ada Lovelace", "email": "ada@dsmb.example.org", "role": "DSMB chair"}


def _config(tmp_path, delivery: dict):
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump({"delivery": delivery}))
    return load_config(path)


def test_defaults_are_the_folder_channel_to_outbox():
    defaults = Delivery()
    assert (defaults.channel, defaults.root, defaults.smtp.security, defaults.smtp.port) == \
        ("folder", "outbox", "none", 25)
    assert defaults.closed == defaults.open == ()


def test_a_partial_delivery_section_keeps_the_other_defaults(tmp_path):
    cfg = _config(tmp_path, {"open": [ADA]})
    assert [r.email for r in cfg.delivery.open] == ["ada@dsmb.example.org"]
    assert len(cfg.delivery.closed) == len(load_config().delivery.closed) == 3   # the trial's
    assert cfg.delivery.smtp.retries == 2 and cfg.delivery.channel == "folder"


@pytest.mark.parametrize("address", ["ada", "ada@", "@example.org", "ada@localhost", "ada@@x.org",
                                     "ada lovelace@x.org", "ada@x..org", "a/b@x.org", "ada@x.org\n",
                                     "<ada@x.org>", "ada@-x.org"])
def test_a_malformed_address_is_refused(address):
    assert email_problem(address) is not None
    with pytest.raises(ValidationError, match="is not an e-mail address"):
        Delivery.model_validate({"closed": [{**ADA, "email": address}]})


@pytest.mark.parametrize("address", ["ada@dsmb.example.org", "a.b+dsmb@x.co.uk", "o'neil@x-y.org"])
def test_a_wellformed_address_is_taken(address):
    assert email_problem(address) is None


def test_a_malformed_address_is_a_config_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"delivery\.closed\.0\.email: .*'ada@' is not an e-mail"):
        _config(tmp_path, {"closed": [{**ADA, "email": "ada@"}]})


def test_a_recipient_in_both_audiences_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="ADA@dsmb.example.org is in both audiences"):
        _config(tmp_path, {"closed": [ADA], "open": [{**ADA, "email": "ADA@dsmb.example.org"}]})


def test_a_recipient_twice_in_one_audience_is_refused():
    with pytest.raises(ValidationError, match="in the closed audience twice"):
        Delivery.model_validate({"closed": [ADA, ADA]})


def test_an_unknown_audience_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown key.*'sponsor'.*audiences are closed and open"):
        _config(tmp_path, {"sponsor": [ADA]})


@pytest.mark.parametrize("key", ["password", "smtp_password", "passwd", "token", "api_secret"])
def test_no_password_key_is_ever_accepted(tmp_path, key):
    with pytest.raises(ConfigError, match="a password is never written in a config file"):
        _config(tmp_path, {"smtp": {"security": "starttls", key: "hunter2"}})


def test_credentials_come_in_pairs_and_only_over_tls():
    with pytest.raises(ValidationError, match="go together"):
        Smtp(security="starttls", password_env="SMTP_PASSWORD")
    with pytest.raises(ValidationError, match="name one place for the password"):
        Smtp(security="tls", username_env="U", password_env="P", secret_block="smtp-password")
    with pytest.raises(ValidationError, match="never sent over an unencrypted connection"):
        Smtp(security="none", username_env="U", password_env="P")
    assert Smtp(security="tls", username_env="U", secret_block="smtp-password").secret_block == \
        "smtp-password"


def test_a_name_with_a_line_break_is_refused():
    with pytest.raises(ValidationError, match="line break or control character"):
        Delivery.model_validate({"open": [{**ADA, "name": "Ada\nBcc: eve@x.org"}]})


def test_the_trial_config_names_demo_recipients_in_each_audience():
    delivery = load_config().delivery
    assert {r.role for r in delivery.closed} >= {"DSMB chair", "independent statistician"}
    assert all(r.email.endswith("@example.org") for r in (*delivery.closed, *delivery.open))
