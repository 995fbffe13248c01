// The report page: one self-contained HTML file (inline CSS and SVG charts, no scripts, nothing fetched).
// Markup is built with the html`…` tag, which escapes every interpolated value unless it is already Html
// (another html`…` result, or raw(…) for trusted markup such as the SVG the chart renderer produced), so a
// run name, path or warning can never inject markup.

/** A piece of markup that is safe to insert as is. */
export class Html {
  constructor(readonly markup: string) {}
  toString(): string {
    return this.markup;
  }
}

/** Mark trusted markup (renderer output) as safe; never pass user or file data through this. */
export function raw(markup: string): Html {
  return new Html(markup);
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function piece(v: unknown): string {
  if (v instanceof Html) return v.markup;
  if (Array.isArray(v)) return v.map(piece).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeText(String(v));
}

/** Template tag: literal parts are markup, interpolations are escaped (Html and arrays of Html pass through). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** A table cell: text (escaped) or markup. */
export type Cell = string | Html;

export type Block =
  | { kind: "h2"; text: string }
  | { kind: "p"; html: Html }
  | { kind: "warnings"; items: string[] }
  | { kind: "table"; head: string[]; rows: Cell[][] }
  | { kind: "charts"; svgs: Html[] };

const CSS = raw(`
body{font:14px/1.45 "DejaVu Sans",system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin-bottom:12px} table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f3f3f3}
.warn{background:#fff7e0;border:1px solid #e0b84c;padding:8px 12px 8px 28px;margin:8px 0} .warn li{margin:2px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px} .charts svg{max-width:100%;height:auto}
.ok{color:#2a7a2a} .bad{color:#b03030} code{background:#f3f3f3;padding:0 3px}
`);

function block(b: Block): Html {
  switch (b.kind) {
    case "h2": return html`<h2>${b.text}</h2>`;
    case "p": return html`<p>${b.html}</p>`;
    case "warnings": return b.items.length ? html`<ul class="warn">${b.items.map((w) => html`<li>${w}</li>`)}</ul>` : html`<p class="ok">No warnings.</p>`;
    case "table": return html`<table><tr>${b.head.map((h) => html`<th>${h}</th>`)}</tr>${b.rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</table>`;
    case "charts": return html`<div class="charts">${b.svgs.map((s) => html`<figure style="margin:0">${s}</figure>`)}</div>`;
  }
}

export function renderPage(title: string, meta: Html, blocks: Block[]): string {
  const body = blocks.map((b, i) => (i ? html`\n${block(b)}` : block(b)));
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${CSS}</style></head>
<body><h1>${title}</h1><div class="meta">${meta}</div>
${body}
</body></html>
`.markup;
}
