extension StatusPage {
    /// `GET /ui/app.css`: one column on a phone, a grid of panels on a wider screen; light or
    /// dark with the system.
    static let style = #"""
        :root {
          color-scheme: light dark;
          --bg: #f6f7f9; --panel: #ffffff; --text: #1d2329; --muted: #66707a; --line: #d9dde2;
          --good: #1a7f37; --warn: #9a6700; --bad: #cf222e; --bar: #3b6fd8;
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          font-size: 15px;
        }
        @media (prefers-color-scheme: dark) {
          :root { --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #8d96a0; --line: #30363d;
            --good: #3fb950; --warn: #d29922; --bad: #f85149; --bar: #58a6ff; }
        }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text); line-height: 1.4; }
        header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.4rem 1rem; padding: 0.8rem 1rem;
          background: var(--panel); border-bottom: 1px solid var(--line); }
        h1 { font-size: 1.3rem; margin: 0; }
        h2 { font-size: 1.05rem; margin: 0 0 0.6rem; }
        h3 { font-size: 0.9rem; margin: 0.9rem 0 0.4rem; color: var(--muted); font-weight: 600; }
        main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22rem), 1fr)); }
        main[hidden], form[hidden], button[hidden] { display: none; }
        section, form { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 0.9rem 1rem; min-width: 0; }
        section.wide { grid-column: 1 / -1; }
        form { max-width: 32rem; margin: 1rem auto; }
        form input { display: block; width: 100%; margin: 0.3rem 0 0.7rem; padding: 0.5rem; font: inherit;
          border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); }
        button { font: inherit; padding: 0.4rem 0.9rem; border-radius: 6px; border: 1px solid var(--line);
          background: var(--bar); color: #fff; cursor: pointer; }
        footer button { background: transparent; color: var(--text); margin-left: 0.5rem; }
        .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(6.5rem, 1fr)); gap: 0.5rem; margin: 0; }
        .figures div { background: var(--bg); border-radius: 6px; padding: 0.4rem 0.6rem; }
        .figures dt { font-size: 0.75rem; color: var(--muted); }
        .figures dd { margin: 0; font-size: 1.35rem; font-variant-numeric: tabular-nums; font-weight: 600; }
        .rows { margin: 0; }
        .rows div { display: flex; justify-content: space-between; gap: 1rem; padding: 0.3rem 0; border-bottom: 1px solid var(--line); }
        .rows dt { color: var(--muted); }
        .rows dd { margin: 0; text-align: right; overflow-wrap: anywhere; }
        meter { width: 100%; height: 0.9rem; margin-bottom: 0.6rem; }
        svg { width: 100%; height: 5rem; display: block; margin-bottom: 0.6rem; }
        svg .bar { fill: var(--bar); }
        svg .axis { stroke: var(--line); stroke-width: 1; }
        .scroll { overflow-x: auto; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th, td { text-align: right; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th:first-child, td:first-child { text-align: left; }
        thead th { color: var(--muted); font-weight: 600; font-size: 0.8rem; }
        tbody th { font-weight: normal; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85rem; }
        .badge { padding: 0.1rem 0.6rem; border-radius: 999px; font-size: 0.85rem; font-weight: 600; background: var(--line); }
        .badge.good { background: var(--good); color: #fff; }
        .badge.warn { background: var(--warn); color: #fff; }
        .badge.bad { background: var(--bad); color: #fff; }
        .good-text { color: var(--good); }
        .bad-text { color: var(--bad); }
        .muted { color: var(--muted); font-size: 0.85rem; }
        footer { padding: 0 1rem 1.5rem; color: var(--muted); font-size: 0.85rem; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
        @media (max-width: 30rem) {
          main { padding: 0.5rem; gap: 0.5rem; }
          .figures dd { font-size: 1.15rem; }
        }

        """#
}
