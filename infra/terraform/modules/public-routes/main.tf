# The allowlist of the public path (infra/litellm/public-routes.yaml) as the values the edge enforces:
#   * WAF: one regex pattern set per distinct method list, each regex anchored (^...$), alternating whole paths
#     with `|` (no groups: AWS WAF supports no capturing subexpressions), at most 200 characters and 10 regexes
#     per set (AWS WAF quotas); a {param} segment is one path segment that does not start with a dot, so
#     "/v1/models/{model_id}" admits neither "/v1/models/a/b" nor "/v1/models/..".
#   * ALB: listener rules of at most 3 path patterns each ({param} -> *), with the rule's methods; the ALB adds the
#     origin-secret header condition (5 condition values per rule, 3 per condition: AWS ELB quotas). ALB globs are
#     coarser than the regexes (* also spans "/"): WAF is the precise layer, the ALB the second one.
# A second allowlist (a service of ours beside LiteLLM, e.g. the key broker's infra/broker/public-routes.yaml) is a
# second instance with its own routes_file and group_prefix: its groups join the WAF's, its ALB rules its own target.
# No provider: `terraform plan`/`test` of this module run offline (tests/terraform/test_public_routes.py renders
# it with the real terraform and evaluates the result against every route of the pinned LiteLLM).

locals {
  document = yamldecode(file(coalesce(var.routes_file, "${path.module}/../../../litellm/public-routes.yaml")))
  routes = [
    for r in local.document.routes : {
      path    = r.path
      methods = sort(distinct([for m in r.methods : upper(m)]))
      why     = r.why
      serves  = try(r.serves, r.path)
    }
  ]

  param_segment   = "^\\{[a-z][a-z0-9_]*\\}$"
  literal_segment = "^[A-Za-z0-9._~:-]+$"
  # One path segment that does not start with a dot (no "." or ".." segments).
  segment_regex = "[^/.][^/]*"

  segments = [for r in local.routes : slice(split("/", r.path), 1, length(split("/", r.path)))]
  valid = [
    for i, r in local.routes : startswith(r.path, "/") && alltrue([
      for s in local.segments[i] : can(regex(local.param_segment, s)) || can(regex(local.literal_segment, s)) || (s == "" && r.path == "/")
    ]) && length(r.methods) > 0 && alltrue([for m in r.methods : contains(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"], m)]) && length(r.methods) <= 3 && trimspace(r.why) != ""
  ]

  branches = [
    for i, r in local.routes : "^/${join("/", [for s in local.segments[i] : can(regex(local.param_segment, s)) ? local.segment_regex : replace(s, ".", "\\.")])}$"
  ]
  globs = [
    for i, r in local.routes : "/${join("/", [for s in local.segments[i] : can(regex(local.param_segment, s)) ? "*" : s])}"
  ]

  method_lists = distinct([for r in local.routes : join(",", r.methods)])
  groups = [
    for ms in local.method_lists : {
      name     = "${var.group_prefix}${lower(replace(ms, ",", "-"))}"
      methods  = split(",", ms)
      branches = [for i, r in local.routes : local.branches[i] if join(",", r.methods) == ms]
      globs    = [for i, r in local.routes : local.globs[i] if join(",", r.methods) == ms]
    }
  ]

  # As many whole-path branches per regex as fit in 200 characters.
  waf_groups = [
    for g in local.groups : {
      name         = g.name
      methods      = g.methods
      method_regex = join("|", [for m in g.methods : "^${m}$"])
      regexes = [
        for chunk in chunklist(g.branches, max(1, floor(201 / (max([for b in g.branches : length(b)]...) + 1)))) : join("|", chunk)
      ]
    }
  ]

  alb_rules = flatten([
    for g in local.groups : [
      for chunk in chunklist(g.globs, min(var.alb_values_per_condition, 4 - length(g.methods))) : {
        methods       = g.methods
        path_patterns = chunk
      }
    ]
  ])
}
