"""Which backend Floe starts on, with and without the embedded runtime installed."""

from __future__ import annotations

import pytest

from backends import (
    NotConfigured,
    create_backend,
    default_backend_name,
    is_configured,
    is_installed,
    load_settings,
)
from backends.cli import main

CORTEX_SQL = {"SNOWFLAKE_ACCOUNT": "xy12345", "SNOWFLAKE_USER": "me", "SNOWFLAKE_PASSWORD": "pw"}


def test_a_local_install_starts_on_the_embedded_model():
    assert is_installed("local")
    assert default_backend_name(load_settings({})) == "local"


def test_a_hosted_install_without_keys_has_no_default(hosted_runtime):
    settings = load_settings({})
    assert not is_installed("local") and not is_configured("local", settings)
    assert default_backend_name(settings) is None


def test_a_hosted_install_starts_on_replicate_or_cortex_when_their_secrets_are_there(hosted_runtime):
    assert default_backend_name(load_settings({"REPLICATE_API_TOKEN": "r8_token"})) == "replicate"
    assert default_backend_name(load_settings(CORTEX_SQL)) == "cortex"


def test_a_model_file_is_not_enough_without_llama_cpp(hosted_runtime, tmp_path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    assert not is_configured("local", load_settings({"FLOE_LOCAL_MODEL": str(model)}))


def test_floe_backend_naming_a_backend_that_cannot_run_falls_back_to_one_that_can(hosted_runtime):
    settings = load_settings({"FLOE_BACKEND": "local", "REPLICATE_API_TOKEN": "r8_token"})
    assert default_backend_name(settings) == "replicate"


def test_the_cli_says_what_each_backend_needs_on_a_hosted_install(hosted_runtime, monkeypatch, capsys):
    for key in (
        "FLOE_BACKEND",
        "FLOE_OPENAI_BASE_URL",
        "OPENAI_BASE_URL",
        "REPLICATE_API_TOKEN",
        "SNOWFLAKE_ACCOUNT",
    ):
        monkeypatch.delenv(key, raising=False)
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "  local              not installed   Embedded (llama.cpp); to use it: pip install" in listing
    assert "to use it: REPLICATE_API_TOKEN" in listing and "*" not in listing.split("(* =")[0]
    assert main(["chat", "Hello"]) == 1
    assert "no backend is set up" in capsys.readouterr().err


@pytest.mark.parametrize("account", ["evil.example.com/x?", "169.254.169.254#", "me@internal:8080"])
def test_a_snowflake_account_that_is_not_an_identifier_is_refused(account):
    settings = load_settings({**CORTEX_SQL, "SNOWFLAKE_ACCOUNT": account})
    with pytest.raises(NotConfigured, match="must be an account identifier"):
        create_backend("cortex", settings)
