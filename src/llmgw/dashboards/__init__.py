"""The Grafana dashboards of the gateway, one module each (usage, cost, latency_errors, health) over the shared panel
builders (panels); generate turns them into the JSON committed in infra/grafana/dashboards/
(tools/generate_dashboards.py)."""
