"""The handbook's one stylesheet, inlined in every page (the site fetches nothing)."""

CSS = """
:root { --fg:#1d232b; --muted:#5b6675; --line:#d8dee6; --bg:#fff; --code:#f4f6f9; --accent:#1f5fbf;
        --pass:#1c7c3a; --fail:#b3261e; --error:#8a5a00; --skipped:#5b6675; }
* { box-sizing: border-box; }
body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg);
       margin: 0; }
header.site { border-bottom: 1px solid var(--line); padding: .6rem 1.5rem; display: flex; gap: 1.5rem;
              align-items: baseline; flex-wrap: wrap; }
header.site .brand { font-weight: 700; }
header.site a { color: var(--accent); text-decoration: none; }
main { max-width: 1240px; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.6rem; margin: 1rem 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.3rem 0 .4rem; }
code, pre { font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
code { background: var(--code); padding: 0 .25em; border-radius: 3px; }
pre { background: var(--code); padding: .7rem .9rem; overflow-x: auto; border-radius: 4px;
      white-space: pre-wrap;
      word-break: break-word; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f7f9fb; }
.muted { color: var(--muted); }
.note { border-left: 3px solid var(--accent); padding: .3rem .8rem; background: #f5f8fd; }
.unspecified { border-left: 3px solid var(--error); padding: .3rem .8rem; background: #fdf8ef; }
.side-by-side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.side-by-side > div { min-width: 0; }
.status-pass { color: var(--pass); font-weight: 600; }
.status-fail { color: var(--fail); font-weight: 600; }
.status-error { color: var(--error); font-weight: 600; }
.status-skipped, .status-none { color: var(--skipped); }
table.matrix td.cell { text-align: center; white-space: nowrap; }
table.matrix tr.domain th { background: #eef2f7; }
.method { font-weight: 700; }
h1 code { font-size: 1.4rem; }
.wide { overflow-x: auto; }
.bytes .hdr { color: var(--accent); }
@media (max-width: 800px) { .side-by-side { grid-template-columns: 1fr; } }
"""
