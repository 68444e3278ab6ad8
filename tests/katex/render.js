// Renders LaTeX snippets with KaTeX for tests/katex.rs. Standard input holds one JSON object a
// line, {"name": "...", "latex": "...", "display": true}; each is rendered with
// katex.renderToString (throwOnError, strict "error": anything KaTeX would only warn about fails
// too). Every failure is printed with its snippet, and the exit code is 1 when one failed (or
// when no snippet came).
"use strict";

const fs = require("fs");
const katex = require("katex");

const lines = fs.readFileSync(0, "utf8").split("\n").filter((line) => line.trim() !== "");
let failed = 0;
for (const line of lines) {
  let snippet;
  try {
    snippet = JSON.parse(line);
  } catch (e) {
    failed += 1;
    console.log(`FAILED: not a JSON line: ${line}\n`);
    continue;
  }
  try {
    katex.renderToString(snippet.latex, {
      throwOnError: true,
      displayMode: snippet.display !== false,
      strict: "error",
    });
  } catch (e) {
    failed += 1;
    console.log(`FAILED ${snippet.name}: ${e.message}\n${snippet.latex}\n`);
  }
}
console.log(`katex ${katex.version}: ${lines.length - failed} of ${lines.length} snippets rendered`);
process.exit(failed > 0 || lines.length === 0 ? 1 : 0);
