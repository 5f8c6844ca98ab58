// eventpbx: small enhancements. Every page works without this file.
// It has no words of its own: what it shows comes from the page, in the visitor's language
// (data-copied, data-stream-stopped, data-stream-interrupted; server-rendered fragments).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: shown only when the clipboard API is there. The confirmation is the
  // data-copied text of the button (or of the section around it).
  for (const btn of document.querySelectorAll("button[data-copy]")) {
    if (!navigator.clipboard) continue;
    btn.hidden = false;
    const label = btn.textContent;
    const copied = btn.closest("[data-copied]");
    btn.addEventListener("click", async () => {
      const input = document.getElementById(btn.dataset.copy);
      if (!input) return;
      try {
        await navigator.clipboard.writeText(input.value);
        if (!copied) return;
        btn.textContent = copied.dataset.copied;
        setTimeout(() => { btn.textContent = label; }, 1500);
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
  // A live stream that is lost says so above what it feeds, with the time the shown state
  // is from, instead of letting the page go silently stale; EventSource reconnects by itself.
  // The words are the page's (data-stream-stopped, data-stream-interrupted, in the reader's
  // language, "{at}" standing for the time); an element without them gets no notice.
  const loaded = Date.now();
  const watchStream = (el, source) => {
    const note = document.createElement("p");
    note.className = "stream-state";
    note.setAttribute("role", "status");
    note.hidden = true;
    el.before(note);
    source.addEventListener("open", () => {
      note.hidden = true;
      delete el.dataset.streamError;
    });
    source.addEventListener("error", () => {
      el.dataset.streamError = "1";
      const at = new Date(Number(el.dataset.updated || loaded))
        .toLocaleTimeString(document.documentElement.lang || undefined);
      const words = source.readyState === EventSource.CLOSED
        ? el.dataset.streamStopped
        : el.dataset.streamInterrupted;
      if (!words) return;
      note.textContent = words.split("{at}").join(at);
      note.hidden = false;
    });
  };
  // The live view: the server re-renders the live part on every change (SSE).
  const live = document.querySelector("[data-stream]");
  if (live && window.EventSource) {
    const source = new EventSource(live.dataset.stream);
    source.addEventListener("live", (e) => {
      live.innerHTML = e.data;
      live.dataset.updated = String(Date.now());
      tick();
    });
    watchStream(live, source);
  }
  // My extensions: registration status blocks replaced when a phone registers or drops.
  const mine = document.querySelector("[data-status-stream]");
  if (mine && window.EventSource && mine.querySelector(".status")) {
    const source = new EventSource(mine.dataset.statusStream);
    watchStream(mine, source);
    source.addEventListener("status", (e) => {
      const blocks = JSON.parse(e.data);
      for (const [number, html] of Object.entries(blocks)) {
        const el = document.getElementById("status-" + number);
        if (el) el.innerHTML = html;
      }
      mine.dataset.updated = String(Date.now());
    });
    // Route tables: the state of each phone a number rings.
    source.addEventListener("route", (e) => {
      const tables = JSON.parse(e.data);
      for (const [number, html] of Object.entries(tables)) {
        const el = document.getElementById("route-" + number);
        if (el) el.innerHTML = html;
      }
      mine.dataset.routesUpdated = String(Date.now());
    });
  }
  // "Ring me": the test call's outcome, asked for every second until it is known.
  const followRingTest = (el) => {
    const url = el && el.dataset.ringTest;
    if (!url) return;
    setTimeout(async () => {
      try {
        const r = await fetch(url, { headers: { Accept: "text/html" } });
        if (!r.ok) return;
        const box = document.createElement("div");
        box.innerHTML = await r.text();
        const next = box.firstElementChild;
        if (!next) return;
        el.replaceWith(next);
        followRingTest(next);
      } catch (_) {
        followRingTest(el);
      }
    }, 1000);
  };
  followRingTest(document.querySelector("[data-ring-test]"));
  // The operator page's charts: the server renders them once a minute; fetch them as often.
  const charts = document.querySelector("[data-charts]");
  if (charts) {
    setInterval(async () => {
      try {
        const r = await fetch(charts.dataset.charts, { headers: { Accept: "text/html" } });
        if (!r.ok) return;
        const box = document.createElement("div");
        box.innerHTML = await r.text();
        const next = box.querySelector("[data-charts]");
        if (next) charts.innerHTML = next.innerHTML;
      } catch (_) { /* the next minute tries again */ }
    }, 60000);
  }
});
