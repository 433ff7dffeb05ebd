"""The gateway's operations code, one subpackage or module per job (README, "Repository map"):

- ``llmgw.admin``: LiteLLM admin API client, users/keys/budgets and the smoke test (scripts/create_user.py,
  scripts/smoke_test.py);
- ``llmgw.stack``: the local stack's processes, shared by ``make up`` (scripts/local_stack.py), the test fixtures
  and the benchmark;
- ``llmgw.bench``: the benchmark and memory soak (scripts/bench.py);
- ``llmgw.dashboards``: the Grafana dashboards, one module each (tools/generate_dashboards.py);
- ``llmgw.scrape_config``: VictoriaMetrics' scrape config from the template Terraform also renders;
- ``llmgw.provider_schema``: offline Terraform provider schemas for tests/terraform (tools/derive_aws_schema.py);
- ``llmgw.cli_types``: argparse number types of every CLI; ``llmgw.paths``: where the repository's files are.

Installed in editable mode from the checkout (tools/bootstrap.sh python), never as a copy: the code reads the
repository's own files (Procfile, infra/, .venv).
"""
