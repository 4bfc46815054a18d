/* A small SVG line chart for the wallboard (no library): calls waiting (top panel) and service level in %
 * (bottom panel) over the last hours, sharing one time axis labelled in the centre's timezone.
 *
 *   const chart = createBoardChart(container, {labels: () => ({...}), pick: (point) => ({waiting, sl})});
 *   chart.setData({points, timezone, hours, stepSeconds, target, now});
 *   chart.addPoint(point);       // a live "point" message
 *   chart.setTarget(80);         // dashed line at the target service level (null: none)
 *   chart.setLive({waiting: 3});  // the value now, drawn at the right edge (between two minute points)
 *
 * Colours come from CSS (classes chart-*), so the TV page restyles it for a dark screen. The chart re-renders
 * when its container changes size and every 30 s (the time axis moves on); it never fetches anything.
 */
import { parseServerTime } from "./core/time.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

/* Milliseconds of an ISO time; also Python's str(datetime) ("2026-01-01 09:30:00.123456+00:00"). */
function chartParseTime(v) {
  const ms = parseServerTime(v);
  return ms === null ? NaN : ms;
}

/* "HH:MM" in ``timezone`` (falls back to the browser's zone for an unknown name). */
export function chartTimeFormatter(timezone, lang) {
  const opts = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  try {
    return new Intl.DateTimeFormat(lang || undefined, { ...opts, timeZone: timezone || undefined });
  } catch {
    return new Intl.DateTimeFormat(lang || undefined, opts);
  }
}

/* Minutes since midnight of ``ms`` in the formatter's timezone. */
function minutesOfDay(fmt, ms) {
  let h = 0;
  let m = 0;
  for (const p of fmt.formatToParts(new Date(ms))) {
    if (p.type === "hour") h = Number(p.value) % 24;
    else if (p.type === "minute") m = Number(p.value);
  }
  return h * 60 + m;
}

/* A round upper bound for a count axis, and the tick step. */
function niceCountAxis(max) {
  const top = Math.max(4, Math.ceil(max));
  const steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000];
  const step = steps.find((s) => top / s <= 4) || Math.ceil(top / 4);
  return { max: Math.ceil(top / step) * step, step };
}

export function createBoardChart(container, options) {
  const opts = {
    labels: () => ({ waiting: "waiting", sl: "service level %", target: "target", empty: "" }),
    pick: (p) => ({ waiting: p.waiting, sl: p.service_level }),
    lang: () => undefined,
    height: null, // default: the container's height, else 260 px
    ...options,
  };
  const st = {
    points: [], // sorted by time: {t, waiting, sl}
    raw: [],
    timezone: null,
    hours: 4,
    stepMs: 60000,
    target: null,
    live: null, // the figures now (a POINT without its time), drawn at the right edge after the last point
    now: () => Date.now(),
  };

  const svg = svgEl("svg", { class: "chart-svg", role: "img", preserveAspectRatio: "none" });
  container.textContent = "";
  container.appendChild(svg);

  function rebuild() {
    st.points = st.raw
      .map((p) => {
        const t = chartParseTime(p.at);
        const v = opts.pick(p) || {};
        return { t, waiting: v.waiting, sl: v.sl };
      })
      .filter((p) => !Number.isNaN(p.t))
      .sort((a, b) => a.t - b.t);
  }

  function trim() {
    const keepFrom = st.now() - st.hours * 3600000 - 2 * st.stepMs;
    if (st.raw.length && chartParseTime(st.raw[0].at) < keepFrom) {
      st.raw = st.raw.filter((p) => chartParseTime(p.at) >= keepFrom);
    }
  }

  /* One series as stretches of [x, y]: broken at nulls and at holes in the data. */
  function segments(values, x, y) {
    const out = [];
    let cur = null;
    let prevT = null;
    for (const p of values) {
      if (p.v === null || p.v === undefined || Number.isNaN(p.v)) {
        cur = null;
        prevT = null;
        continue;
      }
      if (cur === null || (prevT !== null && p.t - prevT > 2.5 * st.stepMs)) {
        cur = [];
        out.push(cur);
      }
      cur.push([x(p.t), y(p.v)]);
      prevT = p.t;
    }
    return out;
  }

  const xy = (pt) => `${pt[0].toFixed(1)},${pt[1].toFixed(1)}`;
  const linePath = (segs) => segs.map((seg) => `M${seg.map(xy).join("L")}`).join("");
  const areaPath = (segs, base) => segs.filter((seg) => seg.length > 1).map((seg) =>
    `M${seg[0][0].toFixed(1)},${base.toFixed(1)}L${seg.map(xy).join("L")}L${seg[seg.length - 1][0].toFixed(1)},${base.toFixed(1)}Z`)
    .join("");

  function render() {
    const W = Math.max(200, Math.round(container.clientWidth || 600));
    const H = Math.max(160, Math.round(opts.height || container.clientHeight || 260));
    const labels = opts.labels();
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.setAttribute("aria-label", `${labels.waiting} / ${labels.sl}`);
    svg.textContent = "";

    const fs = Math.max(11, Math.min(22, Math.round(H / 22))); // font size follows the chart's size
    const left = Math.round(fs * 3.2);
    const right = Math.round(fs * 1.2);
    const titleH = Math.round(fs * 1.6);
    const axisH = Math.round(fs * 1.8);
    const gapH = Math.round(fs * 0.8);
    const plotW = W - left - right;
    const panelH = Math.max(30, Math.floor((H - axisH - gapH - 2 * titleH) / 2));
    const top1 = titleH;
    const top2 = top1 + panelH + gapH + titleH;

    const end = st.now();
    const start = end - st.hours * 3600000;
    const x = (t) => left + ((t - start) / (end - start)) * plotW;
    let pts = st.points;
    if (st.live) {
      const v = opts.pick(st.live) || {};
      pts = [...st.points.filter((p) => p.t < end), { t: end, waiting: v.waiting, sl: v.sl }];
    }
    const visible = pts.filter((p) => p.t >= start - st.stepMs && p.t <= end + st.stepMs);
    svg.appendChild(svgEl("defs", {}))
      .appendChild(svgEl("clipPath", { id: `${container.id || "chart"}-clip` }))
      .appendChild(svgEl("rect", { x: left, y: 0, width: plotW, height: H }));
    const clip = `url(#${container.id || "chart"}-clip)`;

    // time axis: ticks on round local times, sparse enough for the width
    const fmt = chartTimeFormatter(st.timezone, opts.lang());
    const maxTicks = Math.max(2, Math.floor(plotW / (fs * 5)));
    const stepMin = [10, 15, 30, 60, 120, 180, 240, 360].find((m) => (st.hours * 60) / m <= maxTicks) || 720;
    const first = start + ((stepMin - (minutesOfDay(fmt, start) % stepMin)) % stepMin) * 60000 - (start % 60000);
    const grid = svgEl("g", { class: "chart-grid" });
    const tickLabels = svgEl("g", { class: "chart-axis-label", "font-size": fs, "text-anchor": "middle" });
    for (let t = first; t <= end; t += stepMin * 60000) {
      if (t < start) continue;
      const xx = x(t).toFixed(1);
      grid.appendChild(svgEl("line", { x1: xx, x2: xx, y1: top1, y2: top1 + panelH }));
      grid.appendChild(svgEl("line", { x1: xx, x2: xx, y1: top2, y2: top2 + panelH }));
      tickLabels.appendChild(svgEl("text", { x: xx, y: top2 + panelH + fs * 1.3 }, fmt.format(new Date(t))));
    }
    svg.appendChild(grid);
    svg.appendChild(tickLabels);

    // top panel: calls waiting
    const maxWaiting = visible.reduce((m, p) => Math.max(m, p.waiting || 0), 0);
    const ax = niceCountAxis(maxWaiting);
    const y1 = (v) => top1 + panelH - (v / ax.max) * panelH;
    panel(top1, `${labels.waiting}`, "chart-title-waiting");
    const yl1 = svgEl("g", { class: "chart-axis-label", "font-size": fs, "text-anchor": "end" });
    for (let v = 0; v <= ax.max; v += ax.step) {
      svg.appendChild(svgEl("line", { class: "chart-hline", x1: left, x2: left + plotW, y1: y1(v), y2: y1(v) }));
      yl1.appendChild(svgEl("text", { x: left - fs * 0.4, y: y1(v) + fs * 0.35 }, String(v)));
    }
    svg.appendChild(yl1);
    const wValues = visible.map((p) => ({ t: p.t, v: p.waiting }));
    const wSegs = segments(wValues, x, y1);
    if (wSegs.length) {
      svg.appendChild(svgEl("path", { class: "chart-area-waiting", d: areaPath(wSegs, y1(0)), "clip-path": clip }));
      svg.appendChild(svgEl("path", { class: "chart-line chart-line-waiting", d: linePath(wSegs), "clip-path": clip }));
    }

    // bottom panel: service level, 0-100 %, with the target dashed
    const y2 = (v) => top2 + panelH - (Math.max(0, Math.min(100, v)) / 100) * panelH;
    panel(top2, `${labels.sl}`, "chart-title-sl");
    const yl2 = svgEl("g", { class: "chart-axis-label", "font-size": fs, "text-anchor": "end" });
    for (const v of [0, 50, 100]) {
      svg.appendChild(svgEl("line", { class: "chart-hline", x1: left, x2: left + plotW, y1: y2(v), y2: y2(v) }));
      yl2.appendChild(svgEl("text", { x: left - fs * 0.4, y: y2(v) + fs * 0.35 }, String(v)));
    }
    svg.appendChild(yl2);
    if (st.target !== null && st.target !== undefined && !Number.isNaN(Number(st.target))) {
      const ty = y2(Number(st.target)).toFixed(1);
      svg.appendChild(svgEl("line", { class: "chart-target", x1: left, x2: left + plotW, y1: ty, y2: ty }));
      svg.appendChild(svgEl("text", { class: "chart-target-label", x: left + plotW - 4, y: Number(ty) - fs * 0.3,
                                      "font-size": fs, "text-anchor": "end" },
                            `${labels.target} ${st.target}%`));
    }
    const sValues = visible.map((p) => ({ t: p.t, v: p.sl }));
    const sPath = linePath(segments(sValues, x, y2));
    if (sPath) svg.appendChild(svgEl("path", { class: "chart-line chart-line-sl", d: sPath, "clip-path": clip }));
    // a lone point (a line needs two) is still shown as a dot
    for (const [vals, yy, cls] of [[wValues, y1, "chart-dot-waiting"], [sValues, y2, "chart-dot-sl"]]) {
      const last = [...vals].reverse().find((p) => p.v !== null && p.v !== undefined);
      if (last) svg.appendChild(svgEl("circle", { class: cls, cx: x(last.t), cy: yy(last.v), r: Math.max(2.5, fs / 5) }));
    }
    if (!visible.length && labels.empty) {
      svg.appendChild(svgEl("text", { class: "chart-empty", x: left + plotW / 2, y: top1 + panelH / 2,
                                      "font-size": fs, "text-anchor": "middle" }, labels.empty));
    }

    function panel(top, title, cls) {
      svg.appendChild(svgEl("rect", { class: "chart-panel", x: left, y: top, width: plotW, height: panelH }));
      svg.appendChild(svgEl("text", { class: `chart-title ${cls}`, x: left, y: top - fs * 0.45, "font-size": fs },
                            title));
    }
  }

  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      render();
    });
  }

  if (typeof ResizeObserver === "function") {
    let lastW = 0;
    let lastH = 0;
    new ResizeObserver(() => {
      if (container.clientWidth !== lastW || container.clientHeight !== lastH) {
        lastW = container.clientWidth;
        lastH = container.clientHeight;
        schedule();
      }
    }).observe(container);
  } else {
    window.addEventListener("resize", schedule);
  }
  setInterval(schedule, 30000); // the time axis moves on

  return {
    setData(data) {
      st.raw = Array.isArray(data.points) ? [...data.points] : [];
      if (data.timezone !== undefined) st.timezone = data.timezone;
      if (data.hours) st.hours = data.hours;
      if (data.stepSeconds) st.stepMs = data.stepSeconds * 1000;
      if (data.target !== undefined) st.target = data.target;
      if (typeof data.now === "function") st.now = data.now;
      trim();
      rebuild();
      schedule();
    },
    addPoint(point) {
      if (!point || !point.at) return;
      st.raw = st.raw.filter((p) => p.at !== point.at);
      st.raw.push(point);
      trim();
      rebuild();
      schedule();
    },
    setTarget(target) {
      if (target === st.target) return;
      st.target = target;
      schedule();
    },
    setLive(point) {
      st.live = point || null;
      schedule();
    },
    setPick(pick) {
      opts.pick = pick;
      rebuild();
      schedule();
    },
    render: schedule,
    get points() { return st.raw; },
  };
}
