/* player.js: the recording player used by qc.html and the agent desktop's "My QC scores" card.
 *
 *   import { ccPlayer } from "./player.js";
 *   const p = ccPlayer(container, { recordingId, duration, marks, onTime });
 *
 * An <audio> element on GET /api/recordings/{id}/audio (the server answers HTTP Range requests, so the browser
 * seeks without downloading the whole file), a waveform drawn on a <canvas> from GET /api/recordings/{id}/peaks,
 * play/pause, position / duration, click (or arrow keys) on the waveform to seek, playback speed, download.
 * ``marks`` ([{at, label}], seconds) are drawn as ticks on the waveform (the QC timeline notes). ``onTime(t)``
 * is called when the position changes. Returns {audio, seek(t), play(), pause(), time(), duration(),
 * setMarks(list), destroy()}. Texts are the i18n keys player.*; the player follows the language switch.
 */
import { api, errorText } from "./core/api.js";
import { el, showStatus } from "./core/dom.js";
import { t } from "./core/i18n.js";
import { pad2 } from "./core/time.js";

const PLAYER_SPEEDS = [0.75, 1, 1.25, 1.5, 2];
const PLAYER_HEIGHT = 72; // CSS px of the waveform
const PLAYER_BAR = 3; // CSS px per bar (2 bar + 1 gap)

/* mm:ss, or h:mm:ss from an hour on; "--:--" when unknown (an audio's duration can be NaN or Infinity). */
export function playerClock(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "--:--";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${pad2(m)}:${pad2(s % 60)}`;
}

export function ccPlayer(root, opts) {
  const o = opts || {};
  const id = encodeURIComponent(o.recordingId);
  const state = { peaks: null, peaksDuration: null, marks: o.marks || [], raf: 0, pendingSeek: null, dead: false };

  const audio = el("audio", { preload: "metadata", src: `/api/recordings/${id}/audio`, "data-testid": "player-audio" });
  const play = el("button", { type: "button", class: "player-play", "data-testid": "player-play", "data-state": "paused" });
  const time = el("span", { class: "player-time mono", "data-testid": "player-time", "aria-live": "off" });
  const speed = el("select", { "data-testid": "player-speed" });
  for (const v of PLAYER_SPEEDS) speed.appendChild(el("option", { value: String(v), text: `${v}×`, selected: v === 1 }));
  const speedLabel = el("span");
  const download = el("a", { href: `/api/recordings/${id}/audio?download=1`, "data-testid": "player-download",
                             class: "player-download", download: "" });
  const canvas = el("canvas", { class: "player-canvas", "data-testid": "player-waveform", tabindex: "0",
                                role: "slider", "aria-valuemin": "0" });
  const status = el("p", { class: "status player-status", "data-testid": "player-status", role: "status" });
  const box = el("div", { class: "player", "data-testid": "player" },
    audio,
    el("div", { class: "player-wave" }, canvas),
    el("div", { class: "player-controls" },
      play, time,
      el("label", { class: "inline player-speed" }, speedLabel, speed),
      download),
    status);
  root.textContent = "";
  root.appendChild(box);

  function duration() {
    if (Number.isFinite(audio.duration) && audio.duration > 0) return audio.duration;
    if (state.peaksDuration > 0) return state.peaksDuration;
    return Number(o.duration) > 0 ? Number(o.duration) : 0;
  }

  function now() {
    return state.pendingSeek !== null ? state.pendingSeek : audio.currentTime || 0;
  }

  function label() {
    const playing = !audio.paused && !audio.ended;
    play.textContent = playing ? t("player.pause") : t("player.play");
    play.dataset.state = playing ? "playing" : "paused";
    play.setAttribute("aria-label", play.textContent);
    speedLabel.textContent = t("player.speed");
    download.textContent = t("player.download");
    canvas.setAttribute("aria-label", t("player.waveform_label"));
  }

  function showTime() {
    const d = duration();
    const text = `${playerClock(now())} / ${d ? playerClock(d) : "--:--"}`;
    if (time.textContent !== text) time.textContent = text;
    canvas.setAttribute("aria-valuemax", String(Math.round(d)));
    canvas.setAttribute("aria-valuenow", String(Math.round(now())));
    canvas.setAttribute("aria-valuetext", text);
  }

  /* The peaks for ``bars`` bars: each the largest of the peaks it covers. */
  function barsOf(bars) {
    const p = state.peaks;
    if (!p || !p.length) return null;
    const out = new Array(bars);
    for (let i = 0; i < bars; i += 1) {
      const a = Math.floor((i * p.length) / bars);
      const b = Math.max(a + 1, Math.floor(((i + 1) * p.length) / bars));
      let m = 0;
      for (let j = a; j < b && j < p.length; j += 1) if (p[j] > m) m = p[j];
      out[i] = m;
    }
    return out;
  }

  function draw() {
    const w = canvas.clientWidth;
    if (!w) return;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(PLAYER_HEIGHT * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(PLAYER_HEIGHT * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, PLAYER_HEIGHT);
    g.fillStyle = "#f3f6f9";
    g.fillRect(0, 0, w, PLAYER_HEIGHT);
    const d = duration();
    const at = d ? Math.min(1, now() / d) : 0;
    const mid = PLAYER_HEIGHT / 2;
    const n = Math.max(1, Math.floor(w / PLAYER_BAR));
    const bars = barsOf(n);
    if (bars) {
      for (let i = 0; i < n; i += 1) {
        const x = i * PLAYER_BAR;
        const h = Math.max(1, bars[i] * (PLAYER_HEIGHT - 8));
        g.fillStyle = (x + PLAYER_BAR / 2) / w <= at ? "#1f5fa8" : "#9fb0c2";
        g.fillRect(x, mid - h / 2, PLAYER_BAR - 1, h);
      }
    } else {
      g.fillStyle = "#c3ccd5";
      g.fillRect(0, mid - 0.5, w, 1);
    }
    if (d) { // the timeline notes
      g.fillStyle = "#c98f00";
      for (const m of state.marks) {
        const x = Math.round((Number(m.at) / d) * w);
        g.beginPath();
        g.moveTo(x - 5, 0);
        g.lineTo(x + 5, 0);
        g.lineTo(x, 8);
        g.closePath();
        g.fill();
      }
    }
    const cx = Math.round(at * w); // the progress cursor
    g.fillStyle = "#b3261e";
    g.fillRect(Math.min(w - 2, cx), 0, 2, PLAYER_HEIGHT);
  }

  function redraw() {
    showTime();
    draw();
  }

  function loop() {
    state.raf = 0;
    if (state.dead) return;
    redraw();
    if (!audio.paused && !audio.ended) state.raf = requestAnimationFrame(loop);
  }

  function seek(seconds) {
    const d = duration();
    let s = Math.max(0, Number(seconds) || 0);
    if (d) s = Math.min(s, Math.max(0, d - 0.05));
    if (audio.readyState === 0) state.pendingSeek = s; // applied when the metadata is in
    else audio.currentTime = s;
    redraw();
    if (o.onTime) o.onTime(s);
  }

  async function doPlay() {
    try {
      await audio.play();
      showStatus(status, "");
    } catch (e) {
      if (e && e.name === "AbortError") return; // paused again before it started
      showStatus(status, () => t("player.cannot_play", { message: (e && e.message) || String(e) }), "error");
    }
  }

  play.addEventListener("click", () => {
    if (audio.paused || audio.ended) doPlay();
    else audio.pause();
  });
  speed.addEventListener("change", () => {
    const v = Number(speed.value);
    audio.defaultPlaybackRate = v;
    audio.playbackRate = v;
  });
  canvas.addEventListener("click", (ev) => {
    const r = canvas.getBoundingClientRect();
    const d = duration();
    if (!d || !r.width) return;
    seek(((ev.clientX - r.left) / r.width) * d);
  });
  canvas.addEventListener("keydown", (ev) => {
    const step = ev.shiftKey ? 15 : 5;
    if (ev.key === "ArrowLeft") seek(now() - step);
    else if (ev.key === "ArrowRight") seek(now() + step);
    else if (ev.key === "Home") seek(0);
    else if (ev.key === "End") seek(duration());
    else if (ev.key === " " || ev.key === "Enter") play.click();
    else return;
    ev.preventDefault();
  });
  audio.addEventListener("loadedmetadata", () => {
    if (state.pendingSeek !== null) {
      audio.currentTime = state.pendingSeek;
      state.pendingSeek = null;
    }
    audio.playbackRate = Number(speed.value);
    redraw();
  });
  for (const ev of ["play", "playing"]) {
    audio.addEventListener(ev, () => {
      label();
      if (!state.raf) state.raf = requestAnimationFrame(loop);
    });
  }
  for (const ev of ["pause", "ended"]) audio.addEventListener(ev, () => { label(); redraw(); });
  audio.addEventListener("timeupdate", () => {
    if (audio.paused) redraw();
    if (o.onTime) o.onTime(audio.currentTime);
  });
  audio.addEventListener("seeked", redraw);
  audio.addEventListener("durationchange", redraw);
  audio.addEventListener("error", () => {
    const code = audio.error ? audio.error.code : 0;
    showStatus(status, () => t("player.error", { code }), "error");
  });

  const onLang = () => { label(); redraw(); };
  document.addEventListener("cc:langchange", onLang);
  const onResize = () => draw();
  window.addEventListener("resize", onResize);

  async function loadPeaks() {
    const points = Math.min(2000, Math.max(200, Math.floor((canvas.clientWidth || 600) / PLAYER_BAR) * 2));
    const r = await api("GET", `/api/recordings/${id}/peaks?points=${points}`);
    if (state.dead) return;
    if (r.ok && r.data && Array.isArray(r.data.peaks)) {
      state.peaks = r.data.peaks.map((x) => Math.max(0, Math.min(1, Number(x) || 0)));
      state.peaksDuration = Number(r.data.duration) || null;
      canvas.dataset.loaded = "true";
    } else {
      showStatus(status, () => t("player.no_peaks", { message: errorText(r) }), "warn");
      canvas.dataset.loaded = "false";
    }
    redraw();
  }

  label();
  redraw();
  loadPeaks();

  return {
    audio,
    element: box,
    seek,
    play: doPlay,
    pause: () => audio.pause(),
    time: now,
    duration,
    setMarks(list) {
      state.marks = Array.isArray(list) ? list : [];
      draw();
    },
    destroy() {
      state.dead = true;
      if (state.raf) cancelAnimationFrame(state.raf);
      document.removeEventListener("cc:langchange", onLang);
      window.removeEventListener("resize", onResize);
      audio.pause();
      audio.removeAttribute("src");
      audio.load();
      box.remove();
    },
  };
}
