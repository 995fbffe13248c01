// The live page of `plmscale serve` (plain browser JavaScript, no build step). It fetches the state and the
// chart specifications (the report's own, from src/report/charts.ts) from this server, renders the charts
// with vega + vega-lite (also served from here) and applies Server-Sent Events as they arrive.
// Data is only ever put into the page as text (textContent), never as HTML.
"use strict";
(() => {
  const token = new URLSearchParams(location.search).get("token");
  const withToken = (path) => {
    if (!token) return path;
    const u = new URL(path, location.origin);
    u.searchParams.set("token", token);
    return u.pathname + u.search;
  };
  const api = async (path) => {
    const r = await fetch(withToken(path));
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const h = (tag, attrs, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of kids) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const runHref = (key) => withToken("/run/" + key.split("/").map(encodeURIComponent).join("/"));
  const fileHref = (key, file) => withToken("/files/" + key.split("/").map(encodeURIComponent).join("/") + "/" + file);

  // formatting (as the report and `sweep status` print them)
  const ok = (x) => typeof x === "number" && Number.isFinite(x);
  const sci = (x) => (ok(x) ? x.toExponential(2) : "—");
  const f4 = (x) => (ok(x) ? x.toFixed(4) : "—");
  const dur = (s) => {
    if (!ok(s)) return "—";
    s = Math.round(s);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  };
  const pct = (r) => (ok(r.D) && r.D > 0 ? `${Math.min(100, (100 * r.tokens) / r.D).toFixed(0)}%` : "—");

  // what tests and benchmarks read: renders done, time of the last render, updates applied
  const stats = (window.plmscale = { renders: 0, lastRenderMs: 0, firstRenderMs: null, updates: 0, version: 0, ready: false, errors: [] });
  const t0 = performance.now();
  const main = document.getElementById("main");
  const live = document.getElementById("live");
  const runKey = location.pathname.startsWith("/run/") ? location.pathname.slice(5).split("/").map(decodeURIComponent).join("/") : null;
  document.getElementById("home").setAttribute("href", withToken("/"));

  // ---- charts: one vega view per chart id; a new spec replaces the view in place ----
  const views = new Map();
  async function drawCharts(box, charts) {
    const keep = new Set(charts.map((c) => c.id));
    for (const [id, v] of views) if (!keep.has(id)) { v.view.finalize(); v.div.remove(); views.delete(id); }
    for (const c of charts) {
      let v = views.get(c.id);
      if (!v) { v = { div: h("div", { class: "chart", "data-chart": c.id }) }; views.set(c.id, v); }
      box.append(v.div); // (re)appended in order
      const json = JSON.stringify(c.spec);
      if (v.json === json) continue;
      const compiled = vegaLite.compile({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", ...c.spec }).spec;
      const target = h("div");
      const view = new vega.View(vega.parse(compiled), { renderer: "svg", container: target, hover: true });
      await view.runAsync();
      if (v.view) v.view.finalize();
      v.div.replaceChildren(target);
      v.view = view;
      v.json = json;
    }
  }

  // redraw at most once a second, and spend at most a quarter of the time drawing (big sweeps take seconds)
  let chartTimer = null, chartBusy = false, chartAgain = false, lastChart = 0;
  function scheduleCharts(render) {
    if (chartBusy) { chartAgain = true; return; }
    if (chartTimer) return;
    chartTimer = setTimeout(async () => {
      chartTimer = null;
      chartBusy = true;
      const start = performance.now();
      try { await render(); } catch (e) { stats.errors.push(String(e)); console.error(e); }
      chartBusy = false;
      lastChart = performance.now();
      stats.renders++;
      stats.lastRenderMs = Math.round(lastChart - start);
      if (stats.firstRenderMs === null) stats.firstRenderMs = Math.round(lastChart - t0);
      if (chartAgain) { chartAgain = false; scheduleCharts(render); }
    }, Math.max(0, Math.max(1000, 3 * stats.lastRenderMs) - (performance.now() - lastChart)));
  }

  // ---- the runs table ----
  const COLS = [
    ["run", "l"], ["status", "l"], ["N", ""], ["D (tokens)", ""], ["C (FLOPs)", ""], ["progress", ""], ["tokens/s", ""],
    ["MFU", ""], ["last val loss", ""], ["best val loss", ""], ["ETA", ""], ["error", "l"],
  ];
  const rowEls = new Map();
  const selected = new Set();
  // until the user ticks a box, the selected-runs chart follows the running runs
  let followRunning = true;
  function follow(rows) {
    if (!followRunning) return false;
    const running = rows.filter((r) => r.state === "running").slice(0, 6).map((r) => r.key);
    if (running.length === 0 || (running.length === selected.size && running.every((k) => selected.has(k)))) return false;
    selected.clear();
    for (const k of running) selected.add(k);
    for (const [k, tr] of rowEls) tr.querySelector("input").checked = selected.has(k);
    return true;
  }
  function cells(r) {
    return [
      null, r.state, sci(r.N), sci(r.D), sci(r.C), pct(r), ok(r.tokensPerSecond) ? Math.round(r.tokensPerSecond) : "—",
      ok(r.mfu) ? `${(100 * r.mfu).toFixed(1)}%` : "—", f4(r.lastValLoss), f4(r.bestValLoss),
      r.state === "running" ? dur(r.etaSeconds) : "—", r.error ? r.error.split("\n")[0] : "",
    ];
  }
  function updateRow(r) {
    const tr = rowEls.get(r.key);
    if (!tr) return false;
    const c = cells(r);
    for (let i = 1; i < c.length; i++) if (tr.cells[i + 1].textContent !== String(c[i])) tr.cells[i + 1].textContent = String(c[i]);
    tr.cells[2].className = `l st st-${r.state}`;
    tr.dataset.state = r.state;
    return true;
  }
  function table(rows, onSelect) {
    const tbody = h("tbody");
    for (const r of rows) {
      const box = h("input", { type: "checkbox", title: "show this run in the selected-runs chart" });
      box.checked = selected.has(r.key);
      // (at most 40 runs go into the chart: the request URL must stay under the server's header limit)
      box.addEventListener("change", () => { followRunning = false; box.checked ? selected.add(r.key) : selected.delete(r.key); onSelect(); });
      const tr = h("tr", { "data-key": r.key }, h("td", {}, box), h("td", { class: "l" }, h("a", { href: runHref(r.key) }, r.name)),
        ...COLS.slice(1).map(([, cls], i) => h("td", { class: cls + (i === COLS.length - 2 ? " err" : "") })));
      rowEls.set(r.key, tr);
      tbody.append(tr);
      updateRow(r);
    }
    return h("div", { class: "tablewrap" }, h("table", { id: "runs" }, h("thead", {}, h("tr", {}, h("th", {}, ""), ...COLS.map(([t, cls]) => h("th", { class: cls }, t)))), tbody));
  }

  function sweepCards(sweeps) {
    return h("div", { class: "sweeps", id: "sweeps" }, ...sweeps.map((s) => {
      const c = s.counts, n = Math.max(1, s.planned);
      return h("div", { class: "sweep", "data-sweep": s.key }, h("b", {}, s.key), h("br"),
        `${c.done}/${s.planned} done, ${c.running} running, ${c.failed} failed, ${c.interrupted + c.stopped} interrupted, ${c.pending} pending · ETA ${dur(s.etaSeconds)}`,
        h("div", { class: "bar" }, ...["done", "running", "failed"].map((k) => h("span", { class: k, style: `width:${(100 * c[k]) / n}%` }))));
    }));
  }

  // ---- pages ----
  let xAxis = "tokens";
  async function overview() {
    const s = await api("/api/state");
    stats.version = s.version;
    const byKey = new Map(s.runs.map((r) => [r.key, r]));
    if (selected.size === 0) for (const r of s.runs.filter((r) => r.lines > 0).slice(-6)) selected.add(r.key);
    if (followRunning) { const running = s.runs.filter((r) => r.state === "running").slice(0, 6); if (running.length) { selected.clear(); for (const r of running) selected.add(r.key); } }
    const chartsBox = h("div", { class: "charts", id: "charts" });
    const notes = h("div", { id: "notes" });
    const renderCharts = async () => {
      const c = await api(`/api/charts?scope=overview&x=${xAxis}&selected=${encodeURIComponent([...selected].slice(0, 40).join(","))}`);
      notes.replaceChildren(...c.notes.map((n) => h("p", { class: "note" }, n)));
      await drawCharts(chartsBox, c.charts);
    };
    const xSel = h("select", { id: "xaxis", onchange: () => { xAxis = xSel.value; scheduleCharts(renderCharts); } }, h("option", { value: "tokens" }, "tokens"), h("option", { value: "flops" }, "FLOPs"));
    rowEls.clear();
    document.getElementById("crumb").textContent = s.roots.map((r) => r.path).join(", ");
    main.replaceChildren(
      sweepCards(s.sweeps),
      ...s.problems.map((p) => h("p", { class: "note" }, p)),
      h("h2", {}, `Runs (${s.runs.length})`),
      s.runs.length ? table(s.runs, () => scheduleCharts(renderCharts)) : h("p", { class: "muted" }, "No runs found yet under the served paths; new ones appear here as they start."),
      h("div", { class: "controls" }, h("label", {}, "selected runs' curves by ", xSel), h("span", { class: "muted" }, "tick runs in the table to compare them")),
      h("h2", {}, "Charts"), notes, chartsBox,
    );
    scheduleCharts(renderCharts);
    listen((d) => {
      let unknown = d.rescanned;
      for (const r of d.rows) { byKey.set(r.key, r); if (!updateRow(r)) unknown = true; }
      const cards = document.getElementById("sweeps");
      if (cards) cards.replaceWith(sweepCards(d.sweeps));
      if (unknown) return overview(); // new runs or sweeps: rebuild the table
      follow([...byKey.values()]);
      scheduleCharts(renderCharts);
    });
  }

  async function runPage(key) {
    const r = await api(`/api/run?key=${encodeURIComponent(key)}`);
    document.getElementById("crumb").textContent = key;
    document.title = `${r.row.name} · plmscale serve`;
    const kv = h("dl", { class: "kv", id: "summary" });
    const fill = (row) => {
      const items = [["status", row.state], ["objective", row.objective ?? "—"], ["N (non-embedding)", sci(row.N)], ["D (tokens)", sci(row.D)], ["C (FLOPs)", sci(row.C)],
        ["step", row.step], ["tokens so far", `${sci(row.tokens)} (${pct(row)})`], ["tokens/s", ok(row.tokensPerSecond) ? Math.round(row.tokensPerSecond) : "—"],
        ["MFU (6N)", ok(row.mfu) ? `${(100 * row.mfu).toFixed(1)}%` : "—"], ["MFU (Megatron count)", ok(row.mfuMegatron) ? `${(100 * row.mfuMegatron).toFixed(1)}%` : "—"],
        ["predicted loss (plan)", ok(row.predictedLoss) ? f4(row.predictedLoss) : "—"],
        ["reached − predicted", ok(row.predictionGapNats) ? `${row.predictionGapNats >= 0 ? "+" : ""}${row.predictionGapNats.toFixed(4)} nats${row.predictionInside === null ? " (no interval)" : row.predictionInside ? " (inside)" : " (outside the interval)"}` : "—"],
        ["last train loss", f4(row.lastTrainLoss)], ["last val loss", f4(row.lastValLoss)],
        ["best val loss", f4(row.bestValLoss)], ["ETA", row.state === "running" ? dur(row.etaSeconds) : "—"], ["metrics lines", `${row.lines}${row.skippedLines ? ` (${row.skippedLines} malformed, skipped)` : ""}`]];
      if (row.error) items.push(["error", row.error]);
      kv.replaceChildren(...items.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { "data-field": k }, String(v))]));
    };
    fill(r.row);
    const chartsBox = h("div", { class: "charts", id: "charts" });
    const renderCharts = async () => drawCharts(chartsBox, (await api(`/api/charts?scope=run&key=${encodeURIComponent(key)}`)).charts);
    const files = ["metrics.jsonl", "config.json", "result.json"].map((f) => h("a", { href: fileHref(key, f), style: "margin-right:12px" }, f));
    main.replaceChildren(
      h("p", {}, h("a", { href: withToken("/") }, "← all runs"), r.row.sweep ? ` · sweep ${r.row.sweep}` : ""),
      h("h2", {}, `Run ${r.row.name}`), kv, h("p", { class: "muted" }, `directory ${r.dir} · raw files: `, ...files),
      h("h2", {}, "Loss curves"), chartsBox,
      ...(r.result ? [h("h2", {}, "result.json"), h("pre", {}, JSON.stringify(r.result, null, 2))] : []),
    );
    scheduleCharts(renderCharts);
    listen((d) => {
      const mine = d.rows.find((x) => x.key === key);
      if (mine) { fill(mine); scheduleCharts(renderCharts); }
    });
  }

  // ---- live updates ----
  let source = null;
  function listen(apply) {
    if (source) source.close();
    source = new EventSource(withToken("/api/events"));
    source.addEventListener("open", () => { live.textContent = "live"; live.className = "live"; });
    source.addEventListener("error", () => { live.textContent = "reconnecting…"; live.className = "live off"; });
    source.addEventListener("update", (ev) => {
      const d = JSON.parse(ev.data);
      stats.updates++;
      stats.version = d.version;
      apply(d);
    });
  }

  (runKey ? runPage(runKey) : overview())
    .then(() => { stats.ready = true; })
    .catch((e) => { stats.errors.push(String(e)); main.replaceChildren(h("p", { class: "note" }, String(e.message || e))); });
})();
