output "routes" {
  description = "The allowlist: path, methods (upper case, sorted), why, and the LiteLLM route that serves it (serves)."
  value       = local.routes

  precondition {
    condition     = alltrue(local.valid)
    error_message = "Every public route needs a path of /-separated literal segments ([A-Za-z0-9._~:-]) or {param} segments, 1 to 3 methods out of GET, HEAD, POST, PUT, PATCH, DELETE, and a why: check ${coalesce(var.routes_file, "infra/litellm/public-routes.yaml")}."
  }

  precondition {
    condition     = length(distinct([for r in local.routes : r.path])) == length(local.routes)
    error_message = "A path is listed twice in the public routes: list it once with all its methods."
  }
}

output "waf_groups" {
  description = "One WAF group per distinct method list: name, methods, method_regex (for a regex match on the method) and regexes (for one regex pattern set, matched against the URL-decoded path)."
  value       = local.waf_groups

  precondition {
    condition     = alltrue([for g in local.waf_groups : length(g.regexes) <= 10 && alltrue([for rx in g.regexes : length(rx) <= 200])])
    error_message = "A WAF regex pattern set holds at most 10 regexes of at most 200 characters: shorten the paths or split the method lists."
  }
}

output "alb_rules" {
  description = "ALB listener rules for the public routes: methods and at most 3 path patterns each ({param} -> *)."
  value       = local.alb_rules

  precondition {
    condition     = alltrue([for r in local.alb_rules : 1 + length(r.methods) + length(r.path_patterns) <= 5 && length(join("", r.path_patterns)) - length(replace(join("", r.path_patterns), "*", "")) <= 5 && alltrue([for p in r.path_patterns : length(p) <= 128])])
    error_message = "An ALB listener rule allows 5 condition values (origin header + methods + paths), 5 wildcards and path patterns of 128 characters."
  }
}
