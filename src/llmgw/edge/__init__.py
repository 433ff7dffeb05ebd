"""The public path (CloudFront -> WAF -> ALB -> LiteLLM): every route of the pinned LiteLLM proxy
(`litellm_routes`), the allowlist of the routes developers need (`public_routes`, infra/litellm/public-routes.yaml)
and an evaluator of the WAF and ALB rules Terraform renders from it (`edge_rules`), for the route tests.
"""
