"""Made-up secrets the tests configure; each test asserts they never reach an error message."""

REPLICATE_TOKEN = "r8_StandInSecretToken0123456789abcdef"
CORTEX_PAT = "standin-pat-SECRET-0123456789abcdef"
