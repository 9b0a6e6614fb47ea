import { createHash } from 'node:crypto';
import { htmlReportView, type UsageSample } from './htmlReportView';
import { Report } from '../report';

/** One process lane of the static report's timeline; times in ms from the run's start. */
export interface ReportLane {
  pid: number;
  label: string;
  /**
   * Flat spans, SPAN_FIELDS numbers each: arrival at the worker, compute start (unpickle end),
   * compute end (result pickle start), result sent, call-site index (-1 unknown), ok (1/0).
   */
  spans: number[];
}

export const SPAN_FIELDS = 6;

/**
 * A self-contained HTML report: no network, no external file. The data travels as JSON in a
 * non-executable script element (with `<` escaped, so no text in it can close the element) and
 * the page builds its DOM with textContent: nothing from the trace is ever parsed as HTML.
 * `usage`: CPU/memory samples taken while the program ran (the CLI's `profile`, or saved with a run
 * in VS Code); a trace file has none.
 */
export function renderHtmlReport(
  report: Report,
  lanes: ReportLane[],
  usage: readonly UsageSample[] = [],
): string {
  const data = JSON.stringify({ report, lanes, view: htmlReportView(report, usage) })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '${sha256(STYLE)}'; script-src '${sha256(SCRIPT)}'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PoolScope report</title>
<style>${STYLE}</style>
</head>
<body>
<main id="app"></main>
<script type="application/json" id="poolscope-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** CSP source for an inline element: only this exact text may run, nothing injected beside it. */
function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa;
  --border: #d1d9e0; --good: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117;
  --panel: #151b23; --border: #3d444d; --good: #3fb950; --warn: #d29922; --bad: #f85149; --accent: #4493f8; } }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.muted { color: var(--muted); }
.strip { display: flex; flex-wrap: wrap; gap: 8px; margin: 16px 0; }
.stat { background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.stat .v { font-size: 18px; font-weight: 600; } .stat .k { color: var(--muted); font-size: 12px; }
.verdict { border-left: 4px solid var(--accent); background: var(--panel); padding: 12px 16px; border-radius: 4px; }
.verdict.clear-win { border-color: var(--good); } .verdict.measure-first { border-color: var(--warn); }
.verdict.ipc-overhead-wins, .verdict.both-lose { border-color: var(--bad); }
.matrix { display: grid; grid-template-columns: 120px minmax(0, 1fr) minmax(0, 1fr); gap: 4px; max-width: 640px; margin-top: 12px; }
.matrix div { overflow-wrap: anywhere; }
.matrix div { padding: 8px; border: 1px solid var(--border); border-radius: 4px; font-size: 13px; }
.matrix .head { border: none; color: var(--muted); }
.matrix .on { outline: 2px solid var(--accent); font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { color: var(--muted); font-weight: 500; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.finding { border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.finding .id { font-weight: 600; } .sev-error .id { color: var(--bad); } .sev-warning .id { color: var(--warn); }
.advice { margin-top: 4px; } canvas { width: 100%; border: 1px solid var(--border); border-radius: 4px; }
.reasons { max-width: 760px; margin-top: 12px; } .reasons td:first-child { color: var(--muted); }
.whatif h3 { font-size: 14px; margin: 16px 0 4px; } .whatif table { max-width: 520px; }
.usage .title { font-size: 12px; color: var(--muted); margin: 10px 0 2px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; }
#tip { position: fixed; pointer-events: none; background: var(--panel); border: 1px solid var(--border);
  padding: 6px 8px; border-radius: 4px; font-size: 12px; white-space: pre; display: none; }
`;

// Plain browser JavaScript, kept small: it only turns the JSON into DOM nodes and one canvas.
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('poolscope-data').textContent);
  var r = data.report, s = r.summary, view = data.view, app = document.getElementById('app');
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text); return e; }
  function add(parent, child) { parent.appendChild(child); return child; }
  function ms(v) { if (v === null || v === undefined || !isFinite(v)) return '\\u2013'; if (v === 0) return '0';
    if (v >= 1000) return (v / 1000).toFixed(2) + ' s'; if (v >= 10) return v.toFixed(0) + ' ms';
    if (v >= 1) return v.toFixed(1) + ' ms'; if (v >= 0.01) return v.toFixed(2) + ' ms'; return (v * 1000).toFixed(1) + ' \\u00b5s'; }
  function bytes(v) { if (v === null || v === undefined || !isFinite(v)) return '\\u2013'; var u = ['B','KB','MB','GB'], i = 0;
    while (v >= 1024 && i < 3) { v /= 1024; i++; } return i ? v.toFixed(1) + ' ' + u[i] : Math.round(v) + ' B'; }
  function pct(v) { return v === null || v === undefined || !isFinite(v) ? '\\u2013' : (v * 100).toFixed(1) + ' %'; }
  function x(v) { return v === null || v === undefined || !isFinite(v) ? '\\u2013' : v.toFixed(2) + '\\u00d7'; }
  var TITLES = { 'clear-win': 'Clear win', 'measure-first': 'Measure first', 'ipc-overhead-wins': 'IPC overhead wins',
    'both-lose': 'Both IPC and compute lose', 'no-parallel-work': 'No parallel work recorded' };

  add(app, el('h1', null, 'PoolScope \\u2014 ' + r.run.script));
  add(app, el('div', 'muted', [r.run.startedAt, 'Python ' + r.run.python, r.run.startMethod, r.run.cpuCount + ' CPUs',
    'exit code ' + r.run.exitCode].filter(Boolean).join(' \\u00b7 ')));
  var strip = add(app, el('div', 'strip'));
  [['wall time', ms(s.wallMs)], ['workers', s.workers], ['tasks', s.tasks], ['compute / task', ms(s.computeMsPerTask)],
   ['bytes / task', bytes(s.bytesPerTask)], ['IPC share', pct(s.ipcShare)], ['est. speedup', (s.estUpperBound ? '\u2264 ' : '') + x(s.estSpeedup)],
   ['efficiency', pct(s.efficiency)]].forEach(function (kv) {
    var d = add(strip, el('div', 'stat')); add(d, el('div', 'v', kv[1])); add(d, el('div', 'k', kv[0])); });

  add(app, el('h2', null, 'Verdict'));
  var v = add(app, el('div', 'verdict ' + r.verdict.quadrant));
  add(v, el('strong', null, TITLES[r.verdict.quadrant] || r.verdict.quadrant));
  add(v, el('div', null, r.verdict.sentence));
  if (view.matrixNote) add(v, el('div', 'muted', view.matrixNote));
  if (view.reasons.length) { var rt = add(v, el('table', 'reasons')), rb = add(rt, el('tbody'));
    view.reasons.forEach(function (n) { var tr = add(rb, el('tr')); add(tr, el('td', null, n[0]));
      add(tr, el('td', 'num', n[1])); add(tr, el('td', 'muted', n[2])); }); }
  var m = add(v, el('div', 'matrix'));
  [['', 'Small data', 'Large data'], ['Heavy compute', 'clear-win', 'measure-first'],
   ['Light compute', 'ipc-overhead-wins', 'both-lose']].forEach(function (row, ri) {
    row.forEach(function (cell, ci) {
      if (ri === 0 || ci === 0) { add(m, el('div', 'head', cell)); return; }
      var d = add(m, el('div', cell === view.runCell ? 'on' : null, TITLES[cell]));
      d.setAttribute('data-quadrant', cell);
      if (cell === view.runCell && view.matrixNote) add(d, el('div', 'muted', 'overruled by the measured speedup: ' + TITLES[r.verdict.quadrant]));
      var sites = view.siteCells.filter(function (c) { return c.cell === cell; });
      if (sites.length) add(d, el('div', 'muted sites', sites.map(function (c) {
        return c.where + (c.overruledBy ? ' (overruled: ' + c.overruledBy + ')' : ''); }).join(', ')));
    });
  });

  add(app, el('h2', null, 'Findings'));
  if (!r.findings.length) add(app, el('div', 'muted', 'No findings.'));
  r.findings.forEach(function (f) {
    var d = add(app, el('div', 'finding sev-' + f.severity));
    add(d, el('span', 'id', f.id));
    if (f.file) add(d, el('span', 'muted', '  ' + f.file + (f.line ? ':' + f.line : '')));
    add(d, el('div', null, f.message)); if (f.advice) add(d, el('div', 'advice', '\\u2192 ' + f.advice));
  });

  add(app, el('h2', null, 'What if'));
  var wi = add(app, el('div', 'whatif'));
  if (!view.whatIf.length) add(wi, el('div', 'muted', 'No call site could be modelled: predictions need pool tasks with their compute recorded.'));
  view.whatIf.forEach(function (w) {
    add(wi, el('h3', null, w.title)); add(wi, el('p', null, w.summary));
    var t = add(wi, el('table')), hr = add(add(t, el('thead')), el('tr')), tb = add(t, el('tbody'));
    ['workers', 'chunksize', 'wall time', 'speedup'].forEach(function (h) { add(hr, el('th', null, h)); });
    w.rows.forEach(function (cells) { var tr = add(tb, el('tr'));
      cells.forEach(function (c, i) { add(tr, el('td', i ? 'num' : null, c)); }); });
  });

  add(app, el('h2', null, 'Timeline'));
  var legend = add(app, el('div', 'legend'));
  var COLORS = { unpickle: '#8250df', compute: '#2da44e', result: '#bf8700', error: '#cf222e' };
  [['unpickle task', COLORS.unpickle], ['compute', COLORS.compute], ['pickle + send result', COLORS.result],
   ['task raised', COLORS.error]].forEach(function (kv) { var sp = add(legend, el('span')); var i = add(sp, el('i'));
    i.style.background = kv[1]; sp.appendChild(document.createTextNode(kv[0])); });
  var lanes = data.lanes, laneH = 22, left = 150, canvas = add(app, el('canvas'));
  var tip = add(document.body, el('div')); tip.id = 'tip';
  var end = Math.max(1e-6, s.wallMs || 0);
  lanes.forEach(function (l) { for (var i = 3; i < l.spans.length; i += ${SPAN_FIELDS}) end = Math.max(end, l.spans[i]); });
  function draw() {
    var dpr = window.devicePixelRatio || 1, w = canvas.clientWidth, h = Math.max(1, lanes.length) * laneH + 24;
    canvas.width = w * dpr; canvas.height = h * dpr; canvas.style.height = h + 'px';
    var g = canvas.getContext('2d'); g.scale(dpr, dpr);
    var fg = getComputedStyle(document.body).color, sx = (w - left - 8) / end;
    g.font = '12px system-ui, sans-serif'; g.fillStyle = fg;
    lanes.forEach(function (l, li) {
      var y = li * laneH; g.fillStyle = fg; g.fillText(l.label, 4, y + 15);
      for (var i = 0; i < l.spans.length; i += ${SPAN_FIELDS}) {
        var a = l.spans[i], b = l.spans[i + 1], c = l.spans[i + 2], d = l.spans[i + 3], ok = l.spans[i + 5];
        g.fillStyle = COLORS.unpickle; g.fillRect(left + a * sx, y + 4, Math.max(0.5, (b - a) * sx), laneH - 8);
        g.fillStyle = ok ? COLORS.compute : COLORS.error; g.fillRect(left + b * sx, y + 4, Math.max(0.5, (c - b) * sx), laneH - 8);
        g.fillStyle = COLORS.result; g.fillRect(left + c * sx, y + 4, Math.max(0.5, (d - c) * sx), laneH - 8);
      }
    });
    g.fillStyle = fg; var ticks = 6;
    for (var t = 0; t <= ticks; t++) { var tv = end * t / ticks; g.fillText(ms(tv), left + tv * sx - (t === ticks ? 40 : 0), lanes.length * laneH + 16); }
    canvas.onmousemove = function (ev) {
      var rect = canvas.getBoundingClientRect(), px = ev.clientX - rect.left, li = Math.floor((ev.clientY - rect.top) / laneH);
      var l = lanes[li], tm = (px - left) / sx, hit = -1;
      if (l) for (var i = 0; i < l.spans.length; i += ${SPAN_FIELDS}) if (tm >= l.spans[i] && tm <= l.spans[i + 3]) { hit = i; break; }
      if (hit < 0) { tip.style.display = 'none'; return; }
      var sp = l.spans, site = r.callSites[sp[hit + 4]];
      tip.textContent = (site ? site.file + ':' + site.line + ' ' + site.api + '\\n' : '') + 'pid ' + l.pid +
        '\\nunpickle ' + ms(sp[hit + 1] - sp[hit]) + '\\ncompute ' + ms(sp[hit + 2] - sp[hit + 1]) +
        '\\nresult ' + ms(sp[hit + 3] - sp[hit + 2]) + (sp[hit + 5] ? '' : '\\nraised an exception');
      tip.style.display = 'block'; tip.style.left = ev.clientX + 12 + 'px'; tip.style.top = ev.clientY + 12 + 'px';
    };
    canvas.onmouseleave = function () { tip.style.display = 'none'; };
  }
  draw(); window.addEventListener('resize', draw);

  add(app, el('h2', null, 'CPU and memory'));
  var usage = add(app, el('div', 'usage')), series = view.usage;
  var PALETTE = ['#0969da', '#1a7f37', '#bf8700', '#8250df', '#cf222e', '#1b7c83', '#bc4c00', '#6e7781'];
  if (!series.length) add(usage, el('div', 'muted', 'No CPU or memory samples: PoolScope takes them while it runs ' +
    'the program (poolscope profile, or VS Code, which saves them with the run); a trace file does not hold them.'));
  else {
    var ul = add(usage, el('div', 'legend'));
    series.forEach(function (u, i) { var sp = add(ul, el('span')); add(sp, el('i')).style.background = PALETTE[i % PALETTE.length];
      sp.appendChild(document.createTextNode(u.label)); });
    var charts = [['CPU (% of one core)', 'cpu', function (v) { return Math.round(v) + ' %'; }, 100],
      ['memory (RSS)', 'mem', bytes, 1]].map(function (c) {
      add(usage, el('div', 'title', c[0])); var cv = add(usage, el('canvas'));
      cv.setAttribute('role', 'img'); cv.setAttribute('aria-label', c[0] + ' per process over time');
      return { canvas: cv, key: c[1], fmt: c[2], floor: c[3] }; });
    var drawUsage = function () {
      charts.forEach(function (c) {
        var dpr = window.devicePixelRatio || 1, w = c.canvas.clientWidth, h = 90, top = c.floor;
        series.forEach(function (u) { u[c.key].forEach(function (v) { top = Math.max(top, v); }); });
        c.canvas.width = w * dpr; c.canvas.height = h * dpr; c.canvas.style.height = h + 'px';
        var g = c.canvas.getContext('2d'); g.scale(dpr, dpr);
        var sx = (w - left - 8) / end, y = function (v) { return h - 4 - Math.max(0, v) / top * (h - 16); };
        g.font = '12px system-ui, sans-serif'; g.fillStyle = getComputedStyle(document.body).color;
        g.fillText('max ' + c.fmt(top), 4, 14); g.fillText('0', 4, h - 4);
        g.lineWidth = 1.5;
        series.forEach(function (u, i) { g.strokeStyle = PALETTE[i % PALETTE.length]; g.beginPath();
          u.t.forEach(function (t, j) { var px = left + Math.min(t, end) * sx, py = y(u[c.key][j]);
            if (j) g.lineTo(px, py); else g.moveTo(px, py); }); g.stroke();
          // A short-lived process may have one sample: a dot per sample keeps it visible.
          g.fillStyle = g.strokeStyle; u.t.forEach(function (t, j) {
            g.fillRect(left + Math.min(t, end) * sx - 1.5, y(u[c.key][j]) - 1.5, 3, 3); }); });
      });
    };
    drawUsage(); window.addEventListener('resize', drawUsage);
  }

  function table(title, cols, rows) {
    add(app, el('h2', null, title));
    if (!rows.length) { add(app, el('div', 'muted', 'None recorded.')); return; }
    var t = add(app, el('table')), hr = add(add(t, el('thead')), el('tr')), tb = add(t, el('tbody'));
    cols.forEach(function (c) { add(hr, el('th', null, c[0])); });
    rows.forEach(function (row) { var tr = add(tb, el('tr'));
      cols.forEach(function (c) { add(tr, el('td', c[2] ? 'num' : null, c[1](row))); }); });
  }
  table('Call sites', [['where', function (c) { return c.file + ':' + c.line; }], ['api', function (c) { return c.api; }],
    ['workers', function (c) { return c.workers; }, 1], ['chunksize', function (c) { return c.chunksize; }, 1],
    ['tasks', function (c) { return c.tasks; }, 1], ['compute / task', function (c) { return ms(c.compute.medianMs); }, 1],
    ['IPC / task', function (c) { return ms(c.ipc.perTaskMs); }, 1], ['bytes / task', function (c) { return bytes(c.ipc.bytesPerTask); }, 1],
    ['IPC share', function (c) { return pct(c.ipc.share); }, 1], ['wall', function (c) { return ms(c.wallMs); }, 1],
    ['est. speedup', function (c) { return x(c.estSpeedup); }, 1], ['quadrant', function (c) { return TITLES[c.quadrant] || c.quadrant; }]],
    r.callSites);
  table('Processes', [['pid', function (p) { return p.pid; }, 1], ['role', function (p) { return p.role; }],
    ['start-up', function (p) { return ms(p.startupMs); }, 1], ['CPU', function (p) { return ms(p.cpuMs); }, 1],
    ['peak RSS', function (p) { return bytes(p.peakRssBytes); }, 1],
    ['exit', function (p) { return p.stoppedByPool ? 'stopped by the pool' : p.signal ? 'signal ' + p.signal : p.exitCode; }, 1]], r.processes);
  table('Queues and pipes', [['where', function (q) { return q.file ? q.file + ':' + q.line : 'channel ' + q.chan; }],
    ['api', function (q) { return q.api; }], ['messages', function (q) { return (q.sampled && q.sampled.atLeast ? '\u2265 ' : '') + q.messages +
      (q.sampled ? ' (detail sampled' + (q.sampled.every ? ' 1 in ' + q.sampled.every : '') + ')' : ''); }, 1],
    ['bytes', function (q) { return bytes(q.bytes); }, 1], ['pickle', function (q) { return ms(q.pickleMs); }, 1],
    ['unpickle', function (q) { return ms(q.unpickleMs); }, 1]], r.queues);
  if (r.warnings && r.warnings.length) { add(app, el('h2', null, 'Warnings'));
    r.warnings.forEach(function (w) { add(app, el('div', 'muted', w)); }); }
})();
`;
