// The report page: one self-contained HTML file (inline CSS and SVG charts, no scripts, nothing fetched).

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export type Block =
  | { kind: "h2"; text: string }
  | { kind: "p"; html: string }
  | { kind: "warnings"; items: string[] }
  | { kind: "table"; head: string[]; rows: string[][] }
  | { kind: "charts"; svgs: string[] };

const CSS = `
body{font:14px/1.45 "DejaVu Sans",system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin-bottom:12px} table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f3f3f3}
.warn{background:#fff7e0;border:1px solid #e0b84c;padding:8px 12px 8px 28px;margin:8px 0} .warn li{margin:2px 0}
.charts{display:flex;flex-wrap:wrap;gap:12px} .charts svg{max-width:100%;height:auto}
.ok{color:#2a7a2a} .bad{color:#b03030} code{background:#f3f3f3;padding:0 3px}
`;

export function renderPage(title: string, meta: string, blocks: Block[]): string {
  const body = blocks.map((b) => {
    switch (b.kind) {
      case "h2": return `<h2>${esc(b.text)}</h2>`;
      case "p": return `<p>${b.html}</p>`;
      case "warnings": return b.items.length ? `<ul class="warn">${b.items.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>` : `<p class="ok">No warnings.</p>`;
      case "table": return `<table><tr>${b.head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</table>`;
      case "charts": return `<div class="charts">${b.svgs.map((s) => `<figure style="margin:0">${s}</figure>`).join("")}</div>`;
    }
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><h1>${esc(title)}</h1><div class="meta">${meta}</div>
${body.join("\n")}
</body></html>
`;
}
