"""A wire-accurate emulator of the AWS Bedrock runtime API for Anthropic Claude models.

Run it with ``python -m bedrock_emulator --host 127.0.0.1 --port 4010`` (see emulator/README.md).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
