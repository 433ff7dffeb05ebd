"""Operating the gateway through LiteLLM's admin API: the client over urllib, gateway URL and master key resolution,
users/keys/budgets (create_user, the CLI of scripts/create_user.py) and the smoke test (smoke, and smoke_test, the CLI
of scripts/smoke_test.py), and the snippets handed to developers."""
