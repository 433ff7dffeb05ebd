"""Custom LiteLLM callbacks of the Claude-on-Bedrock gateway (loaded by the stock image via PYTHONPATH)."""
