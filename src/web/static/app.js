// eventpbx: small enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: shown only when the clipboard API is there.
  for (const btn of document.querySelectorAll("button[data-copy]")) {
    if (!navigator.clipboard) continue;
    btn.hidden = false;
    btn.addEventListener("click", async () => {
      const input = document.getElementById(btn.dataset.copy);
      if (!input) return;
      try {
        await navigator.clipboard.writeText(input.value);
        btn.textContent = "Copied";
        setTimeout(() => { btn.textContent = "Copy"; }, 1500);
      } catch (_) {
        input.select();
      }
    });
  }
  // Ticking call durations on the live view.
  const pad = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const now = Math.floor(Date.now() / 1000);
    for (const el of document.querySelectorAll("[data-since]")) {
      const s = Math.max(0, now - Number(el.dataset.since));
      const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
      el.textContent = h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
    }
  };
  if (document.querySelector("[data-since], [data-stream]")) setInterval(tick, 1000);
  // The live view: the server re-renders the live part on every change (SSE).
  const live = document.querySelector("[data-stream]");
  if (live && window.EventSource) {
    const source = new EventSource(live.dataset.stream);
    source.addEventListener("live", (e) => {
      live.innerHTML = e.data;
      live.dataset.updated = String(Date.now());
      tick();
    });
    source.onerror = () => { live.dataset.streamError = "1"; };
  }
  // My extensions: registration status blocks replaced when a phone registers or drops.
  const mine = document.querySelector("[data-status-stream]");
  if (mine && window.EventSource && mine.querySelector(".status")) {
    const source = new EventSource(mine.dataset.statusStream);
    source.addEventListener("status", (e) => {
      const blocks = JSON.parse(e.data);
      for (const [number, html] of Object.entries(blocks)) {
        const el = document.getElementById("status-" + number);
        if (el) el.innerHTML = html;
      }
      mine.dataset.updated = String(Date.now());
    });
  }
});
