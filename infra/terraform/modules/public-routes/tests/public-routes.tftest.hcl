# No provider: `terraform test` of this module runs anywhere, offline (CI's terraform job with the other modules).

run "repository_allowlist_renders_within_the_aws_limits" {
  command = plan

  assert {
    condition     = alltrue([for g in output.waf_groups : length(g.regexes) <= 10 && alltrue([for rx in g.regexes : length(rx) <= 200 && startswith(rx, "^") && endswith(rx, "$")])])
    error_message = "At most 10 anchored regexes of at most 200 characters per regex pattern set."
  }

  assert {
    condition     = contains(flatten([for g in output.waf_groups : g.regexes if contains(g.methods, "POST")]), "^/v1/messages$|^/v1/messages/count_tokens$|^/v1/chat/completions$")
    error_message = "The Messages API and chat completions are public for POST."
  }

  assert {
    condition     = alltrue([for r in output.alb_rules : 1 + length(r.methods) + length(r.path_patterns) <= 5 && length(r.path_patterns) <= 3])
    error_message = "ALB rules: 5 condition values with the origin header, 3 per condition."
  }
}

run "a_param_is_one_segment" {
  command = plan

  variables {
    routes_file = "./tests/one-param.yaml"
  }

  assert {
    condition     = jsonencode(output.waf_groups[0].regexes) == jsonencode(["^/v1/models/[^/.][^/]*$"]) && jsonencode(output.alb_rules[0].path_patterns) == jsonencode(["/v1/models/*"])
    error_message = "{model_id} becomes one path segment not starting with a dot (WAF) and * (ALB)."
  }
}

run "a_path_listed_twice_is_refused" {
  command = plan

  variables {
    routes_file = "./tests/twice.yaml"
  }

  expect_failures = [output.routes]
}
