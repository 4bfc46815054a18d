/* The centre's scoring rules, as the server applies them: points per criterion, the total, the grade. Also used
 * by the agent desktop's "My QC scores". */

export function fmtNum(v, digits) {
  if (v === null || v === undefined || v === "" || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits === undefined ? 1 : digits);
}

export function gradeOf(total) {
  if (total === null || total === undefined || Number.isNaN(Number(total))) return "";
  const n = Number(total);
  if (n >= 95) return "excellent";
  if (n >= 90) return "good";
  if (n >= 80) return "competent";
  if (n >= 60) return "basic";
  return "not_competent";
}

/* Points of one criterion for a score on its scale: the weight times the share of the scale reached (the
 * scale's lowest value gives 0 points, its highest the full weight). Null when there is no valid score. */
export function criterionPoints(c, score) {
  if (score === null || score === undefined || score === "" || Number.isNaN(Number(score))) return null;
  const v = Number(score);
  const lo = Number(c.scale_min);
  const hi = Number(c.scale_max);
  if (v < lo || v > hi || !(hi > lo)) return null;
  return (Number(c.weight) * (v - lo)) / (hi - lo);
}

/* {total, complete}: the sum of the points cut (not rounded) to 0.1 as the server stores it, so a total never shows
 * a band it did not reach (94.95 → 94.9, good); complete when every criterion has a valid score. */
export function totalOf(criteria, scores) {
  let sum = 0;
  let complete = true;
  for (const c of criteria) {
    const p = criterionPoints(c, scores[c.key]);
    if (p === null) complete = false;
    else sum += p;
  }
  return { total: Math.floor(Math.round(sum * 1e6) / 1e5) / 10, complete };
}

/* The evaluation's current version (versions are never changed; a correction adds one). */
export function latestVersion(ev) {
  const v = ev && Array.isArray(ev.versions) ? ev.versions : [];
  if (!v.length) return ev ? { ...ev, version: ev.current_version } : null;
  const cur = v.find((x) => x.version === ev.current_version);
  return cur || [...v].sort((a, b) => Number(a.version || 0) - Number(b.version || 0))[v.length - 1];
}
