import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, renameSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildReport } from "../../src/report/build.js";
import { renderSvg } from "../../src/report/render.js";
import { isoflopSpec } from "../../src/report/charts.js";
import { collectRuns, fitSweep } from "../../src/sweep/fit.js";
import { syntheticSweep } from "../sweep/synthetic-sweep.js";
import { html, raw } from "../../src/report/html.js";
import { pointPaths } from "../../src/sweep/layout.js";
import { readJson, writeJsonAtomic } from "../../src/core/files.js";
import type { SweepDesign } from "../../src/sweep/types.js";

test("a Vega-Lite spec renders to SVG in Node with one mark per run", async () => {
  const s = syntheticSweep();
  const fit = fitSweep(s.dir, { bootstrap: 0 });
  const runs = collectRuns(s.dir);
  const svg = await renderSvg(isoflopSpec(fit.objectives[0]!, runs));
  assert.ok(svg.startsWith("<svg"));
  // the runs' points are symbol paths inside the "mark-symbol" group of the scatter layer
  const symbols = svg.match(/<g class="mark-symbol[^"]*"[^>]*>(.*?)<\/g>/gs) ?? [];
  const paths = symbols.map((g) => (g.match(/<path/g) ?? []).length);
  assert.ok(paths.includes(runs.length), `symbol groups with ${paths.join(",")} paths; expected one with ${runs.length}`);
});

test("report: one self-contained page with the fitted exponents, the paper's, warnings, and no external resources", async () => {
  const s = syntheticSweep({ objectives: ["clm", "mlm"] });
  const { html, fit, charts } = await buildReport(s.dir, { fit: fitSweep(s.dir, { bootstrap: 20 }) });
  // 9 + the CLM holdout pair (its 3 budgets are bracketed; the flat MLM has none)
  assert.equal(charts, 11);
  assert.equal((html.match(/<svg/g) ?? []).length, charts);
  assert.doesNotMatch(html.replace(/xmlns(:xlink)?="[^"]+"/g, ""), /(src|href)=["']?https?:/i, "nothing fetched at view time");
  assert.doesNotMatch(html, /<script/i);
  const clm = fit.objectives[0]!.isoflop!;
  assert.ok(html.includes(clm.a.toFixed(3)), "CLM exponent shown");
  assert.ok(html.includes("0.578") && html.includes("0.776"), "paper exponents shown");
  assert.match(html, /MLM curves are too flat/);
  assert.match(html, /1\.00e\+17 … 1\.00e\+19 FLOPs/);
  assert.match(html, /Plan for a budget of 1\.00e\+21 FLOPs/);
});

test("the report renders in headless Chromium", { skip: !existsSync("/usr/bin/chromium") && "chromium not installed" }, async () => {
  const s = syntheticSweep({ objectives: ["clm", "mlm"] });
  const { html } = await buildReport(s.dir, { fit: fitSweep(s.dir, { bootstrap: 10 }) });
  const dir = mkdtempSync(join(tmpdir(), "plmscale-report-"));
  const page = join(dir, "report.html");
  const shot = join(dir, "report.png");
  writeFileSync(page, html);
  const r = spawnSync("chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", `--user-data-dir=${join(dir, "profile")}`, `--screenshot=${shot}`, "--window-size=1200,3000", `file://${page}`,
  ], { timeout: 90_000 });
  assert.ok(existsSync(shot), `no screenshot: ${r.stderr?.toString().slice(-500)}`);
  // a blank 1200×3000 PNG compresses to a few KB; charts and text make it far larger
  assert.ok(statSync(shot).size > 100_000, `screenshot only ${statSync(shot).size} bytes`);
});

test("html`…` escapes interpolations; Html values, raw(…) and arrays of them pass through", () => {
  const name = `<script>alert("x")</script> & 'y'`;
  assert.equal(html`<td>${name}</td>`.markup, "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</td>");
  assert.equal(html`<p>${html`<b>${"<i>"}</b>`}</p>`.markup, "<p><b>&lt;i&gt;</b></p>");
  assert.equal(html`${raw("<svg></svg>")}`.markup, "<svg></svg>");
  assert.equal(html`<ul>${["<a>", html`<li>b</li>`]}</ul>`.markup, "<ul>&lt;a&gt;<li>b</li></ul>");
  assert.equal(html`${null}${undefined}${false}${0}`.markup, "0");
});

test("a run name, sweep path, corpus, warning and title containing markup come out escaped in the report", async () => {
  const evil = "<script>alert(1)";
  const s = syntheticSweep();
  const dir = join(mkdtempSync(join(tmpdir(), "plmscale-report-")), `sweep-${evil}`);
  renameSync(s.dir, dir);
  const design = readJson<SweepDesign>(join(dir, "sweep.json"));
  const p = design.points[0]!;
  const before = pointPaths(dir, p).run;
  p.id = `clm-${evil}`;
  renameSync(before, pointPaths(dir, p).run);
  design.warnings.push(`${p.id}: <b>bold</b> & "quoted"`);
  design.corpus = `/data/${evil}`;
  writeJsonAtomic(join(dir, "sweep.json"), design);
  const { html: page } = await buildReport(dir, { fit: fitSweep(dir, { bootstrap: 0 }), title: `report ${evil}` });
  assert.doesNotMatch(page, /<script/i);
  assert.doesNotMatch(page, /<b>bold/);
  assert.ok(page.includes("<li>clm-&lt;script&gt;alert(1): &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;</li>"), "warning escaped");
  assert.ok(page.includes("<title>report &lt;script&gt;alert(1)</title>"), "title escaped");
  assert.ok(page.includes("sweep-&lt;script&gt;alert(1)</code>"), "sweep path escaped");
  assert.ok(page.includes("<code>/data/&lt;script&gt;alert(1)</code>"), "corpus escaped");
});
