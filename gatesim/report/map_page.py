"""The map replay's page: one HTML file with its data, script and style inline (no network).

A canvas draws the corridor (the border, the Chinese side, the approach roads, the gates at
their coordinates, each gate's queue as a band along its road at the queue's length in km)
and, beside it, each gate's stages as boxes of truck dots. A table below gives the counts
of the instant shown with the place names of ``gatesim state``.
"""

from __future__ import annotations

import html
import json

__all__ = ["map_html"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#222;background:#fff}
header{padding:.5em 1em;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:.6em 1.2em;align-items:center}
h1{font-size:1.15em;margin:0}#time{font-variant-numeric:tabular-nums;font-weight:600;min-width:15em}
#slider{flex:1 1 300px}button,select{font:inherit;padding:.15em .6em}
#phase{color:#a50;font-size:.85em}main{padding:.4em 1em}canvas{display:block;border:1px solid #eee;max-width:100%}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}th,td{border:1px solid #ddd;padding:.15em .45em;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.note{color:#555;font-size:.82em;max-width:70em}
details{margin:.4em 0}
"""

_LABELS = {
    "en": {
        "play": "Play",
        "pause": "Pause",
        "speed": "speed",
        "per_s": "h/s",
        "warmup": "warm-up (not in the KPIs)",
        "drain": "drain (after the window)",
        "approach": "approach road",
        "yard": "yard",
        "vn": "VN processing",
        "road": "road",
        "cn": "China side",
        "in_system": "in system",
        "china": "CHINA (Guangxi)",
        "inset": "Tân Thanh, Cốc Nam, Hữu Nghị (enlarged)",
        "vietnam": "VIỆT NAM (Lạng Sơn)",
        "queue": "queue",
        "state": "Counts at this instant (the rows of gatesim state)",
        "counters": "Trucks per gate (waiting + in service)",
        "gate": "gate",
        "approx": "≈ approximate position",
        "legend": "red: waiting · green: in service · band on a road: the queue at its length (truck spacing ÷ lanes) · square under a gate: its yard, filled as its slots are held · stroke to the border: its road (green while in use) · disc beyond the border: trucks on the Chinese side",
    },
    "vi": {
        "play": "Phát",
        "pause": "Dừng",
        "speed": "tốc độ",
        "per_s": "giờ/giây",
        "warmup": "khởi động (không tính vào chỉ tiêu)",
        "drain": "xả hàng (sau kỳ tính)",
        "approach": "đường dẫn",
        "yard": "bãi",
        "vn": "thủ tục phía VN",
        "road": "đường",
        "cn": "phía Trung Quốc",
        "in_system": "trong hệ thống",
        "china": "TRUNG QUỐC (Quảng Tây)",
        "inset": "Tân Thanh, Cốc Nam, Hữu Nghị (phóng to)",
        "vietnam": "VIỆT NAM (Lạng Sơn)",
        "queue": "hàng chờ",
        "state": "Số xe tại thời điểm này (các dòng của gatesim state)",
        "counters": "Xe theo cửa khẩu (đang chờ + đang làm thủ tục)",
        "gate": "cửa khẩu",
        "approx": "≈ vị trí gần đúng",
        "legend": "đỏ: đang chờ · xanh: đang làm thủ tục · dải trên đường: hàng chờ theo chiều dài thực (khoảng cách xe ÷ số làn) · ô vuông dưới cửa khẩu: bãi, tô theo số chỗ đã dùng · nét tới biên giới: đường (xanh khi có xe) · hình tròn bên kia biên giới: xe ở phía Trung Quốc",
    },
}

_JS = r"""
(function(){
'use strict';
const D = JSON.parse(document.getElementById('map-data').textContent);
const LABELS = JSON.parse(document.getElementById('map-labels').textContent);
let lang = 'en', k = 0, playing = false, last = null, acc = 0, draws = 0;
const YARD_STATE = 'yard (slots held; counted above)';
const canvas = document.getElementById('map'), ctx = canvas.getContext('2d');
const W = canvas.width, H = canvas.height, MAPW = 600;
const slider = document.getElementById('slider'), playBtn = document.getElementById('play');
const speedSel = document.getElementById('speed'), timeEl = document.getElementById('time');
const phaseEl = document.getElementById('phase');
slider.max = String(D.n - 1);
const T = key => (LABELS[lang] || LABELS.en)[key] || key;

// geography -> canvas (km east/north -> px), fitted to the map's part of the canvas
const pts = [];
for (const p of Object.values(D.geo.places)) pts.push(p.xy);
for (const r of Object.values(D.geo.roads)) pts.push(...r.xy);
pts.push(...D.geo.border);
// a view: km east/north -> px, fitted (and centred) into rect [left, top, width, height]
function makeView(ps, margin, rect, title){
  const xs = ps.map(p => p[0]), ys = ps.map(p => p[1]);
  const x0 = Math.min(...xs) - margin[0], x1 = Math.max(...xs) + margin[0];
  const y0 = Math.min(...ys) - margin[1], y1 = Math.max(...ys) + margin[1];
  const sc = Math.min(rect[2] / (x1 - x0), rect[3] / (y1 - y0));
  const ox = rect[0] + (rect[2] - (x1 - x0) * sc) / 2, oy = rect[1] + (rect[3] - (y1 - y0) * sc) / 2;
  return {rect, title, main: !title, clip: title ? [rect[0], rect[1] - 8, rect[2], rect[3] + 8] : [0, 0, MAPW, rect[1] + rect[3] + 8],
          P: xy => [ox + (xy[0] - x0) * sc, oy + (y1 - xy[1]) * sc]};
}
// the whole corridor above; below, the three gates north of Đồng Đăng (a few km apart) zoomed
const MAIN_H = Math.round(H * 0.6);
const west = ['tan_thanh', 'coc_nam', 'huu_nghi', 'dong_dang'].filter(id => D.geo.places[id]).map(id => D.geo.places[id].xy);
const VIEWS = [makeView(pts, [3, 3], [10, 26, MAPW - 20, (west.length > 1 ? MAIN_H : H) - 34], '')];
if (west.length > 1) VIEWS.push(makeView(west, [1.6, 0.9], [10, MAIN_H + 20, MAPW - 20, H - MAIN_H - 28], 'inset'));
let P = VIEWS[0].P;
function clipTo(c, v){ c.save(); c.beginPath(); c.rect(...v.clip); c.clip(); P = v.P; }

function series(g, place, col){ const s = g.series[place]; return s ? s[col][k] : 0; }
function sideCounts(g, side){
  let w = 0, s = 0;
  for (const st of g.stages) if (st.side === side) { w += series(g, st.id, 0); s += series(g, st.id, 1); }
  return [w, s];
}

// the static layer: drawn once per language
const bg = document.createElement('canvas'); bg.width = W; bg.height = H;
function drawBackground(){
  const b = bg.getContext('2d');
  b.clearRect(0, 0, W, H); b.fillStyle = '#f7f9f4'; b.fillRect(0, 0, MAPW, H);
  for (const v of VIEWS) {
    clipTo(b, v);
    const [l, top, w] = v.clip, r = l + w;
    // the Chinese side: north of the border sketch
    const br = D.geo.border.map(P);
    b.beginPath(); b.moveTo(l, top); b.lineTo(l, br[0][1]); for (const q of br) b.lineTo(q[0], q[1]);
    b.lineTo(r, br[br.length-1][1]); b.lineTo(r, top); b.closePath(); b.fillStyle = '#fbe9e7'; b.fill();
    b.beginPath(); b.moveTo(l, br[0][1]); for (const q of br) b.lineTo(q[0], q[1]); b.lineTo(r, br[br.length-1][1]);
    b.setLineDash([6, 4]); b.strokeStyle = '#b71c1c'; b.lineWidth = 1.5; b.stroke(); b.setLineDash([]);
    for (const road of Object.values(D.geo.roads)) {
      const q = road.xy.map(P);
      b.beginPath(); b.moveTo(q[0][0], q[0][1]); for (const p of q.slice(1)) b.lineTo(p[0], p[1]);
      b.strokeStyle = '#9e9e9e'; b.lineWidth = 4; b.stroke(); b.strokeStyle = '#fff'; b.lineWidth = 1.5; b.stroke();
    }
    b.font = '12px sans-serif';
    for (const [pid, p] of Object.entries(D.geo.places)) {
      const [x, y] = P(p.xy), gate = D.gates.some(g => g.id === pid);
      b.beginPath(); b.arc(x, y, gate ? 6 : 4, 0, 2 * Math.PI);
      b.fillStyle = gate ? '#1a237e' : '#555'; b.fill();
      b.fillStyle = '#111';
      // the main view's three northern gates are close together: their names go left and right
      const crowded = v.main && (pid === 'tan_thanh' || pid === 'coc_nam');
      const dx = crowded ? (pid === 'tan_thanh' ? -72 : -64) : 10, dy = v.main && pid === 'coc_nam' ? 14 : -8;
      b.fillText((p.approx ? '≈ ' : '') + p.name, x + dx, y + dy);
    }
    b.restore();
    if (!v.main) {
      b.strokeStyle = '#999'; b.lineWidth = 1; b.strokeRect(v.rect[0] + 0.5, v.rect[1] - 7.5, v.rect[2] - 1, v.rect[3] + 7);
      b.font = 'bold 12px sans-serif';
      const tw = b.measureText(T('inset')).width, ty = v.rect[1] + v.rect[3] - 6;
      b.fillStyle = 'rgba(255,255,255,0.85)'; b.fillRect(v.rect[0] + 2, ty - 13, tw + 10, 17);
      b.fillStyle = '#333'; b.fillText(T('inset'), v.rect[0] + 6, ty);
    }
  }
  P = VIEWS[0].P;
  b.fillStyle = '#8d2b20'; b.font = 'bold 13px sans-serif'; b.fillText(T('china'), 20, 20);
  b.fillStyle = '#2e5d2e'; b.fillText(T('vietnam'), 20, (VIEWS.length > 1 ? MAIN_H : H) - 12);
  // the gate panels' frames
  b.fillStyle = '#fff'; b.fillRect(MAPW, 0, W - MAPW, H);
  b.strokeStyle = '#ddd'; b.beginPath(); b.moveTo(MAPW + 0.5, 0); b.lineTo(MAPW + 0.5, H); b.stroke();
}

// the queue of a gate as a band along its road from the gate inland, at its length in km
function queueBand(g){
  const road = D.geo.roads[g.id]; if (!road) return;
  const n = series(g, 'approach', 0); if (!n) return;
  let left = n * g.truck_spacing_m / 1000 / Math.max(1, g.approach_lanes);
  const q = road.xy.slice().reverse();
  ctx.beginPath(); let [px, py] = P(q[0]); ctx.moveTo(px, py);
  for (let i = 1; i < q.length && left > 0; i++) {
    const dx = q[i][0] - q[i-1][0], dy = q[i][1] - q[i-1][1], len = Math.hypot(dx, dy);
    const f = (i === q.length - 1) ? left / len : Math.min(1, left / len);  // past the sketch: straight on
    const [x, y] = P([q[i-1][0] + dx * f, q[i-1][1] + dy * f]); ctx.lineTo(x, y); left -= len * f;
  }
  ctx.strokeStyle = 'rgba(211,47,47,0.8)'; ctx.lineWidth = 7; ctx.lineCap = 'round'; ctx.stroke();
}

// at each gate on the map: its yard (a square filled as far as its slots are held), its road to
// the border (green while trucks are on it) and the Chinese side (a disc, its area the trucks there)
function gateGlyphs(g){
  const p = D.geo.places[g.id]; if (!p) return;
  const [x, y] = P(p.xy), road = sideCounts(g, 'road'), cn = sideCounts(g, 'cn'), n = cn[0] + cn[1];
  ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 3, y - 11);
  ctx.strokeStyle = road[0] + road[1] ? '#2e7d32' : '#777'; ctx.lineWidth = 3; ctx.lineCap = 'butt'; ctx.stroke();
  if (n) {
    ctx.beginPath(); ctx.arc(x + 4, y - 16, Math.min(14, 2 + Math.sqrt(n) / 2), 0, 2 * Math.PI);
    ctx.fillStyle = 'rgba(183,28,28,0.45)'; ctx.fill();
  }
  if (g.yard_capacity) {
    const f = Math.min(1, series(g, 'yard', 0) / g.yard_capacity);
    ctx.fillStyle = '#fff'; ctx.fillRect(x - 5, y + 7, 10, 10);
    ctx.fillStyle = '#d32f2f'; ctx.fillRect(x - 5, y + 7 + 10 * (1 - f), 10, 10 * f);
    ctx.strokeStyle = '#444'; ctx.lineWidth = 1; ctx.strokeRect(x - 5.5, y + 6.5, 11, 11);
  }
}

// a box of truck dots: waiting (red) then in service (green); "+N" past what fits
function dots(x, y, w, h, nw, ns, label){
  ctx.strokeStyle = '#bbb'; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w, h);
  ctx.fillStyle = '#333'; ctx.font = '11px sans-serif'; ctx.fillText(label, x, y - 4);
  const cols = Math.floor((w - 4) / 4), rows = Math.floor((h - 4) / 4), fit = cols * rows;
  const total = nw + ns, shown = Math.min(total, fit);
  for (const [from, to, colour] of [[0, Math.min(nw, shown), '#d32f2f'], [Math.min(nw, shown), shown, '#2e7d32']]) {
    if (to <= from) continue;
    ctx.beginPath();
    for (let i = from; i < to; i++) ctx.rect(x + 3 + (i % cols) * 4, y + 3 + Math.floor(i / cols) * 4, 3, 3);
    ctx.fillStyle = colour; ctx.fill();
  }
  ctx.fillStyle = '#111'; ctx.font = 'bold 12px sans-serif';
  ctx.fillText(String(total) + (total > fit ? ' (+' + (total - fit) + ')' : ''), x + 2, y + h + 13);
}

function gatePanel(g, i){
  const top = 20 + i * (H - 20) / D.gates.length, x = MAPW + 14, bw = 96, gap = 20;
  const sys = series(g, 'in_system', 0) + series(g, 'in_system', 1);
  ctx.fillStyle = '#1a237e'; ctx.font = 'bold 13px sans-serif';
  ctx.fillText(g.name + ' — ' + T('in_system') + ': ' + sys, x, top + 6);
  const y = top + 28, h = 96;
  dots(x, y, bw, h, series(g, 'approach', 0), 0, T('approach'));
  dots(x + (bw + gap), y, bw, h, series(g, 'yard', 0), 0, T('yard') + (g.yard_capacity ? ' /' + g.yard_capacity : ''));
  const vn = sideCounts(g, 'vn'), road = sideCounts(g, 'road'), cn = sideCounts(g, 'cn');
  dots(x + 2 * (bw + gap), y, bw, h, vn[0], vn[1], T('vn'));
  dots(x + 3 * (bw + gap), y, bw * 0.6, h, road[0], road[1], T('road'));
  const bx = x + 3 * (bw + gap) + bw * 0.6 + gap / 2;
  ctx.setLineDash([4, 3]); ctx.strokeStyle = '#b71c1c'; ctx.beginPath(); ctx.moveTo(bx, y - 12); ctx.lineTo(bx, y + h + 4); ctx.stroke(); ctx.setLineDash([]);
  dots(bx + gap / 2, y, bw * 0.8, h, cn[0], cn[1], T('cn'));
}

function stamp(){
  const m = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+)$/.exec(D.t0);
  const t = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + k * D.step_min * 60000);
  const z = v => String(v).padStart(2, '0');
  return t.getUTCFullYear() + '-' + z(t.getUTCMonth() + 1) + '-' + z(t.getUTCDate()) + ' ' + z(t.getUTCHours()) + ':' + z(t.getUTCMinutes());
}

const cells = {};
function buildTables(){
  const st = document.querySelector('#state tbody'), ct = document.querySelector('#counters tbody');
  st.textContent = ''; ct.textContent = '';
  for (const g of D.gates) {
    for (const place of g.places) {
      const tr = document.createElement('tr'), name = place === 'yard' ? YARD_STATE : place;
      tr.innerHTML = '<td class="l"></td><td class="l"></td><td></td><td></td>';
      tr.children[0].textContent = g.id; tr.children[1].textContent = name;
      tr.dataset.gate = g.id; tr.dataset.place = name;
      cells[g.id + '|' + place] = [tr.children[2], tr.children[3]]; st.appendChild(tr);
    }
    const tr = document.createElement('tr');
    tr.innerHTML = '<td class="l"></td>' + '<td></td>'.repeat(6); tr.children[0].textContent = g.name;
    tr.id = 'counter-' + g.id; cells[g.id + '|counters'] = Array.from(tr.children).slice(1); ct.appendChild(tr);
  }
}
function fillTables(){
  for (const g of D.gates) {
    for (const place of g.places) {
      const c = cells[g.id + '|' + place];
      c[0].textContent = series(g, place, 0); c[1].textContent = series(g, place, 1);
    }
    const c = cells[g.id + '|counters'], vn = sideCounts(g, 'vn'), road = sideCounts(g, 'road'), cn = sideCounts(g, 'cn');
    const vals = [series(g, 'approach', 0), series(g, 'yard', 0), vn[0] + vn[1], road[0] + road[1], cn[0] + cn[1],
                  series(g, 'in_system', 0) + series(g, 'in_system', 1)];
    vals.forEach((v, i) => { c[i].textContent = v; });
  }
}

function draw(){
  ctx.clearRect(0, 0, W, H); ctx.drawImage(bg, 0, 0);
  for (const v of VIEWS) {
    clipTo(ctx, v);
    for (const g of D.gates) queueBand(g);
    for (const g of D.gates) gateGlyphs(g);
    ctx.restore();
  }
  P = VIEWS[0].P;
  D.gates.forEach(gatePanel);
  const hrs = k * D.step_min / 60;
  timeEl.textContent = stamp();
  phaseEl.textContent = hrs < D.window_h[0] ? T('warmup') : hrs > D.window_h[1] ? T('drain') : '';
  slider.value = String(k); fillTables(); draws++;
}

function setFrame(i){ k = Math.max(0, Math.min(D.n - 1, Math.round(i))); draw(); }
let loop = 0;  // one animation loop at a time: a quick pause and play must not start a second
function tick(now, id){
  if (!playing || id !== loop) return;
  if (last !== null) {
    acc += (now - last) / 1000 * Number(speedSel.value) * 60 / D.step_min;
    const step = Math.floor(acc); acc -= step;
    k = k + step >= D.n ? 0 : k + step;
  }
  last = now; draw(); requestAnimationFrame(t => tick(t, id));
}
function play(){
  if (playing) return;
  playing = true; last = null; acc = 0; playBtn.textContent = T('pause');
  const id = ++loop; requestAnimationFrame(t => tick(t, id));
}
function pause(){ playing = false; playBtn.textContent = T('play'); }
function setLang(l){
  lang = LABELS[l] ? l : 'en'; document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = T(el.dataset.t);
  playBtn.textContent = playing ? T('pause') : T('play'); drawBackground(); draw();
}
playBtn.addEventListener('click', () => playing ? pause() : play());
slider.addEventListener('input', () => { setFrame(Number(slider.value)); });
document.getElementById('lang').addEventListener('change', e => setLang(e.target.value));
buildTables();
// open at midday of the first day counted (the warm-up's first hours are an empty corridor)
k = Math.max(0, Math.min(D.n - 1, Math.round((D.window_h[0] + 12) * 60 / D.step_min)));
const wanted = new URLSearchParams(location.search).get('lang');
setLang(wanted === 'vi' ? 'vi' : 'en');
if (wanted === 'vi') document.getElementById('lang').value = 'vi';
// the frame with the most trucks waiting on the approach roads (else in the system): where to look first
function peakFrame(){
  let best = 0, top = -1;
  for (const place of ['approach', 'in_system']) {
    for (let i = 0; i < D.n; i++) {
      let v = 0; for (const g of D.gates) { const s = g.series[place]; v += s ? s[0][i] : 0; }
      if (v > top) { top = v; best = i; }
    }
    if (top > 0) break;
  }
  return best;
}
window.gatesimMap = {setFrame, play, pause, setLang, peakFrame, frames: D.n, stepMin: D.step_min,
                     get frame(){ return k; }, get draws(){ return draws; }, get time(){ return stamp(); }};
})();
"""


def map_html(payload: dict) -> str:
    """The whole page for a payload of :func:`gatesim.report.map_data.map_payload`."""
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    labels = json.dumps(_LABELS, ensure_ascii=False).replace("</", "<\\/")
    title = html.escape(payload["title"])
    speeds = "".join(
        f'<option value="{v}"{" selected" if v == 3 else ""}>{v}</option>' for v in (1, 3, 6, 12, 24)
    )
    approx = [p["name"] for p in payload["geo"]["places"].values() if p["approx"]]
    sources = sorted({p["source"] for p in payload["geo"]["places"].values()})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{_CSS}</style></head><body>
<header><h1>{title}</h1>
<button id="play" type="button">Play</button>
<label><span data-t="speed">speed</span> <select id="speed">{speeds}</select> <span data-t="per_s">h/s</span></label>
<input id="slider" type="range" min="0" max="0" step="1" value="0" aria-label="time">
<span id="time"></span><span id="phase"></span>
<select id="lang" aria-label="language"><option value="en">English</option><option value="vi">Tiếng Việt</option></select>
</header>
<main>
<canvas id="map" width="1160" height="600"></canvas>
<p class="note" data-t="legend"></p>
<h3 data-t="counters"></h3>
<table id="counters"><thead><tr><th class="l" data-t="gate"></th><th data-t="approach"></th><th data-t="yard"></th>
<th data-t="vn"></th><th data-t="road"></th><th data-t="cn"></th><th data-t="in_system"></th></tr></thead><tbody></tbody></table>
<details><summary data-t="state"></summary>
<table id="state"><thead><tr><th class="l">gate</th><th class="l">place</th><th>waiting</th><th>in_service</th></tr></thead><tbody></tbody></table>
</details>
<p class="note">Replication {payload["replication"]}; a frame every {payload["step_min"]} min, the counts of
<code>gatesim state</code> at each frame's instant (Hanoi time). A schematic: the gates at their coordinates
(seeds/geography.yaml; sources {html.escape(", ".join(sources))}), roads and the border sketched between them.
Approximate positions: {html.escape(", ".join(approx)) or "none"}.</p>
</main>
<script id="map-data" type="application/json">{data}</script>
<script id="map-labels" type="application/json">{labels}</script>
<script>{_JS}</script>
</body></html>
"""
