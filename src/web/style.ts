/** The dashboard's one style sheet, served at /static/reimage.css. */
export const STYLE_SHEET = `
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#fff; --accent:#1d4ed8; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
header.top { background:#0f172a; color:#e2e8f0; padding:10px 24px; display:flex; gap:24px; align-items:baseline; }
header.top .brand { font-weight:700; font-size:16px; color:#fff; text-decoration:none; letter-spacing:.02em; }
header.top nav a { color:#cbd5e1; text-decoration:none; margin-right:16px; }
header.top nav a.here { color:#fff; border-bottom:2px solid #60a5fa; padding-bottom:2px; }
header.top .campaign { margin-left:auto; color:#94a3b8; font-size:13px; }
main { padding:20px 24px 40px; max-width:1280px; }
h1 { font-size:22px; margin:0 0 4px; }
h1.mono { font-size:20px; }
h2 { font-size:16px; margin:0 0 10px; }
.sub { color:var(--muted); margin:0 0 18px; }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap:16px; }
.grid .card { margin-bottom:0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; margin-bottom:16px; }
.chart-label { font-size:12px; fill:#374151; }
.chart-value { font-size:12px; fill:#111827; font-weight:600; }
.chart a:hover rect { opacity:.8; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); font-weight:600; }
th a { color:inherit; text-decoration:none; }
th a.sorted { color:var(--ink); }
tbody tr:hover { background:#f1f5f9; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size:12.5px; }
pre.evidence { background:#fef2f2; border-left:3px solid #dc2626; padding:8px 10px; white-space:pre-wrap; word-break:break-all; margin:6px 0; }
a { color:var(--accent); }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; color:#fff; white-space:nowrap; }
.filters { display:flex; flex-wrap:wrap; gap:10px; align-items:end; margin-bottom:12px; }
.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
.filters input, .filters select { font:inherit; padding:4px 6px; border:1px solid #cbd5e1; border-radius:4px; background:#fff; }
.filters button { font:inherit; padding:5px 14px; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
.pager { display:flex; gap:12px; align-items:center; margin:10px 0; color:var(--muted); }
.pager a { text-decoration:none; }
.kv { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; margin:0; }
.kv dt { color:var(--muted); }
.kv dd { margin:0; }
.timeline { position:relative; }
.timeline .row { display:grid; grid-template-columns: 90px 1fr; align-items:center; gap:8px; height:26px; }
.timeline .track { position:relative; height:18px; background:#f1f5f9; border-radius:3px; }
.timeline .bar { position:absolute; top:0; height:18px; border-radius:3px; min-width:3px; }
.timeline .axis { display:flex; justify-content:space-between; color:var(--muted); font-size:11px; margin-left:98px; }
.products { display:grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap:14px; }
.product { border:1px solid var(--line); border-radius:8px; padding:10px; background:#fff; }
.product img { width:100%; height:auto; border-radius:4px; background:#0b1020; display:block; }
.product .name { font-family:"DejaVu Sans Mono", monospace; font-size:12px; word-break:break-all; margin:6px 0; }
.noprev { display:flex; align-items:center; justify-content:center; height:150px; background:#f1f5f9; color:var(--muted); border-radius:4px; font-size:12px; text-align:center; padding:8px; }
.progress-text { font-size:28px; font-weight:700; }
.legend { display:flex; flex-wrap:wrap; gap:12px; margin-top:8px; font-size:12px; color:#374151; }
.legend span::before { content:""; display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; background:var(--c); vertical-align:-1px; }
#aladin { width:100%; height:560px; border-radius:8px; overflow:hidden; border:1px solid var(--line); }
.muted { color:var(--muted); }
`;
