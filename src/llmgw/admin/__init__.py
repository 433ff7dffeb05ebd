"""Shared code of the operator scripts (create_user.py, smoke_test.py): LiteLLM admin API client over urllib,
gateway URL and master key resolution, and the snippets handed to developers."""
