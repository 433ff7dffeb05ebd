"""Observability tests: scrape config, dashboards, alerts, runbooks (issue 5)."""
