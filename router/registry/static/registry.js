// The registry's web page: reads the public API and redraws every few seconds.
"use strict";

const REFRESH_MS = 3000;
let selectedVersion = null;

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child == null ? "" : String(child)));
  }
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

function when(iso) {
  return iso ? iso.replace("T", " ").replace("Z", " UTC") : "";
}

function fillTable(testId, rows) {
  const body = document.querySelector(`[data-testid="${testId}"] tbody`);
  body.replaceChildren(...rows);
}

function drawSubgraphs(subgraphs) {
  fillTable("subgraphs", subgraphs.map((s) => element("tr", { "data-subgraph": s.name },
    element("td", {}, element("strong", {}, s.name)),
    element("td", {}, element("code", {}, s.routing_url)),
    element("td", {}, s.version || ""),
    element("td", {}, when(s.updated_at)),
    element("td", {}, s.author || ""),
    element("td", {}, String(s.instances.length)))));
  const instances = subgraphs.flatMap((s) => s.instances.map((i) => ({ subgraph: s.name, ...i })));
  fillTable("instances", instances.map((i) => element("tr", { "data-instance": i.id },
    element("td", {}, i.subgraph),
    element("td", {}, i.id),
    element("td", {}, element("code", {}, i.url)),
    element("td", { class: i.healthy ? "healthy" : "unhealthy" },
      i.healthy ? "healthy" : `unhealthy (${i.failures} failed)`),
    element("td", {}, when(i.heard_at)),
    element("td", {}, i.check_output ? `${i.check_output} at ${when(i.checked_at)}` : "not checked yet"))));
  if (!instances.length) {
    fillTable("instances", [element("tr", {}, element("td", { colSpan: 6 }, "no live instances"))]);
  }
}

function drawVersions(versions) {
  fillTable("versions", versions.map((v) => {
    const row = element("tr", { class: "selectable", "data-version": String(v.version) },
      element("td", {}, `v${v.version}`),
      element("td", {}, v.subgraph),
      element("td", {}, v.author || ""),
      element("td", {}, when(v.created_at)),
      element("td", {}, v.summary));
    if (v.version === selectedVersion) row.classList.add("selected");
    row.addEventListener("click", () => showVersion(v.version));
    return row;
  }));
  if (selectedVersion === null && versions.length) showVersion(versions[0].version);
}

async function showVersion(version) {
  selectedVersion = version;
  for (const row of document.querySelectorAll("[data-testid=versions] tr[data-version]")) {
    row.classList.toggle("selected", row.dataset.version === String(version));
  }
  const detail = await getJson(`/api/v1/supergraph/versions/${version}`);
  document.getElementById("diff-title").textContent = `Diff: v${version - 1} → v${version}`;
  const changes = detail.diff_from_previous.changes;
  document.querySelector("[data-testid=changes]").replaceChildren(
    ...changes.map((c) => element("li", { class: c.severity }, `${c.severity}: ${c.message}`)));
  const lines = detail.diff_from_previous.sdl.split("\n").map((line) => {
    let kind = "";
    if (line.startsWith("+") && !line.startsWith("+++")) kind = "add";
    else if (line.startsWith("-") && !line.startsWith("---")) kind = "del";
    else if (line.startsWith("@@")) kind = "hunk";
    return kind ? element("span", { class: kind }, line) : document.createTextNode(line + "\n");
  });
  document.querySelector("[data-testid=diff]").replaceChildren(...lines);
}

function drawChecks(checks) {
  const container = document.querySelector("[data-testid=checks]");
  if (!checks.length) {
    container.replaceChildren(element("p", {}, "no checks yet"));
    return;
  }
  container.replaceChildren(...checks.map((c) => {
    const result = c.result || {};
    const details = element("ul", {});
    for (const error of result.composition_errors || []) {
      details.append(element("li", { class: "breaking" },
        element("code", {}, error.code), ` ${error.message}`));
    }
    for (const change of result.breaking_changes || []) {
      const used = change.operations || [];
      const item = element("li", { class: "breaking" },
        element("code", {}, change.coordinate), ` ${change.message}`,
        used.length ? ` — used by ${used.length} operation(s): ` : " — no recorded operation uses it");
      for (const operation of used) {
        item.append(element("span", { class: "operation", "data-operation": operation.hash },
          `${operation.name || "(anonymous)"} (${operation.count}×, last ${when(operation.last_seen)}) `));
      }
      details.append(item);
    }
    const verdict = c.accepted ? "accepted" : "rejected";
    return element("div", { class: "check", "data-check": String(c.id), "data-accepted": String(c.accepted) },
      element("span", { class: verdict }, verdict), " ",
      element("strong", {}, c.subgraph), ` by ${c.author || "?"} at ${when(c.created_at)}: ${result.summary || ""}`,
      c.supergraph_version ? ` (version ${c.supergraph_version})` : "",
      details);
  }));
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const [subgraphs, versions, checks] = await Promise.all([
      getJson("/api/v1/subgraphs"),
      getJson("/api/v1/supergraph/versions"),
      getJson("/api/v1/checks"),
    ]);
    drawSubgraphs(subgraphs);
    drawVersions(versions);
    drawChecks(checks);
    const current = versions.length ? `supergraph v${versions[0].version}` : "no supergraph yet";
    status.textContent = `${current} · ${subgraphs.length} subgraph(s) · updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    status.textContent = `cannot read the registry: ${error.message}`;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
