"""Messages shown to users never carry keys or tokens."""

from backends import AuthError, load_settings
from backends.errors import scrub


def test_configured_secrets_are_removed_from_messages():
    load_settings(
        {"REPLICATE_API_TOKEN": "r8_abcdefghijklmnop1234", "OPENAI_API_KEY": "plain-secret-value-42"}
    )
    err = AuthError("rejected r8_abcdefghijklmnop1234 and plain-secret-value-42")
    assert "r8_abcdefghijklmnop1234" not in str(err) and "plain-secret-value-42" not in str(err)
    assert "***" in err.user_message


def test_token_shapes_are_removed_even_when_not_configured():
    text = scrub(
        "Authorization: Bearer abc.def.ghi sk-live1234567890 eyJhbGciOi.eyJzdWIi.sig password=hunter22"
    )
    for secret in ("abc.def.ghi", "sk-live1234567890", "eyJhbGciOi.eyJzdWIi.sig", "hunter22"):
        assert secret not in text
