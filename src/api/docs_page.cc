#include "api/docs_page.h"

namespace iris::api {
namespace {

constexpr std::string_view kDocsHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Iris API</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #222; }
h1 small { font-weight: normal; color: #777; font-size: 0.6em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
details { border: 1px solid #ddd; border-radius: 4px; margin: 0.4rem 0; }
summary { cursor: pointer; padding: 0.4rem; font-family: monospace; font-size: 1rem; }
.m { display: inline-block; min-width: 4.5em; font-weight: bold; }
.GET { color: #1565c0; } .POST { color: #2e7d32; } .PUT, .PATCH { color: #ef6c00; } .DELETE { color: #c62828; }
.body { padding: 0 0.8rem 0.6rem; }
table { border-collapse: collapse; width: 100%; margin: 0.3rem 0; }
td, th { border: 1px solid #eee; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; font-size: 0.9rem; }
pre { background: #f6f6f6; padding: 0.4rem; overflow-x: auto; font-size: 0.85rem; }
.muted { color: #777; }
</style>
</head>
<body>
<h1>Iris API <small id="version"></small></h1>
<p class="muted">Rendered from <a href="/openapi.json">/openapi.json</a>. Errors are JSON <code>{"detail": "..."}</code>.</p>
<div id="content">Loading /openapi.json&hellip;</div>
<script>
"use strict";
function el(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of [].concat(children || [])) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function resolve(doc, schema, depth) {
  if (!schema || typeof schema !== "object" || depth > 6) return schema;
  if (schema.$ref) {
    const parts = schema.$ref.replace(/^#\//, "").split("/");
    let target = doc;
    for (const p of parts) target = target ? target[p] : undefined;
    return resolve(doc, target, depth + 1);
  }
  const out = Array.isArray(schema) ? [] : {};
  for (const [k, v] of Object.entries(schema)) out[k] = resolve(doc, v, depth + 1);
  return out;
}
function schemaBlock(doc, schema) {
  return el("pre", {}, JSON.stringify(resolve(doc, schema, 0), null, 2));
}
function operation(doc, path, method, op) {
  const body = el("div", { class: "body" });
  if (op.description) body.append(el("p", {}, op.description));
  if (op.parameters && op.parameters.length) {
    const rows = op.parameters.map(p => el("tr", {}, [
      el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "yes" : "no"),
      el("td", {}, JSON.stringify(p.schema || {})), el("td", {}, p.description || "")]));
    body.append(el("h4", {}, "Parameters"),
      el("table", {}, [el("tr", {}, ["name", "in", "required", "schema", "description"].map(h => el("th", {}, h))), ...rows]));
  }
  if (op.requestBody) {
    body.append(el("h4", {}, "Request body" + (op.requestBody.required ? " (required)" : "")));
    if (op.requestBody.description) body.append(el("p", {}, op.requestBody.description));
    for (const [type, media] of Object.entries(op.requestBody.content || {})) {
      body.append(el("div", {}, el("code", {}, type)), schemaBlock(doc, media.schema));
    }
  }
  body.append(el("h4", {}, "Responses"));
  for (const [code, resp] of Object.entries(op.responses || {})) {
    body.append(el("div", {}, [el("b", {}, code), " " + (resp.description || "")]));
    for (const [type, media] of Object.entries(resp.content || {})) {
      body.append(el("div", { class: "muted" }, type), schemaBlock(doc, media.schema));
    }
  }
  const m = method.toUpperCase();
  return el("details", {}, [el("summary", {}, [el("span", { class: "m " + m }, m), path + "  ",
    el("span", { class: "muted" }, op.summary || "")]), body]);
}
function render(doc) {
  document.getElementById("version").textContent = "version " + doc.info.version + " \u00b7 OpenAPI " + doc.openapi;
  const groups = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(operation(doc, path, method, op));
    }
  }
  const content = document.getElementById("content");
  content.textContent = "";
  for (const [tag, ops] of groups) content.append(el("h2", {}, tag), ...ops);
}
fetch("/openapi.json").then(r => r.json()).then(render).catch(e => {
  document.getElementById("content").textContent = "Could not load /openapi.json: " + e;
});
</script>
</body>
</html>
)HTML";

}  // namespace

std::string_view DocsPageHtml() { return kDocsHtml; }

}  // namespace iris::api
