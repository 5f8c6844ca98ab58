// eventpbx: the browser phone of the account page (src/web/pages/account/phone.rs).
// One JsSIP user agent per `.phone` element. Its credentials come from the element's
// `data-config` URL (same origin, behind the session, never in a URL); it registers over this
// origin's `/ws`. Every word it shows comes from the section's `data-texts`. The element's
// `data-state` (off, connecting, ready, failed, calling, ringing, incoming, in-call, ended)
// and `.phone-media`'s `data-sent`/`data-received` say what happens, for people and tests.
"use strict";
(() => {
  const section = document.getElementById("phones");
  if (!section || typeof JsSIP === "undefined") return;
  let words = {};
  try { words = JSON.parse(section.dataset.texts || "{}"); } catch (_) { words = {}; }
  const text = (key) => words[key] || key;

  // A soft ring while a call waits (Web Audio; silent where the browser allows no sound yet).
  const ringer = () => {
    let ctx = null, timer = null;
    const beep = () => {
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 440;
      gain.gain.value = 0.05;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.8);
    };
    return {
      start() {
        try {
          ctx = ctx || new AudioContext();
          beep();
          timer = setInterval(beep, 3000);
        } catch (_) { /* no audio: the page and the notification still show the call */ }
      },
      stop() { if (timer) clearInterval(timer); timer = null; },
    };
  };

  const setUp = async (el) => {
    const q = (sel) => el.querySelector(sel);
    const ui = {
      state: q(".phone-state"), detail: q(".phone-detail"), incoming: q(".phone-incoming"),
      caller: q(".phone-caller"), dial: q(".phone-dial"), call: q(".phone-call"),
      hangup: q(".phone-hangup"), mute: q(".phone-mute"), answer: q(".phone-answer"),
      decline: q(".phone-decline"), notify: q(".phone-notify"), media: q(".phone-media"),
      sent: q(".phone-sent"), received: q(".phone-received"), audio: q(".phone-audio"),
    };
    let session = null, statsTimer = null, notification = null;
    const ring = ringer();
    const show = (state, detail) => {
      el.dataset.state = state;
      ui.state.textContent = text(state);
      ui.detail.textContent = detail || "";
      const inCall = ["calling", "ringing", "incoming", "in-call"].includes(state);
      ui.call.disabled = state !== "ready" && state !== "ended";
      ui.hangup.disabled = !inCall;
      ui.mute.disabled = state !== "in-call";
      ui.incoming.hidden = state !== "incoming";
      document.title = state === "incoming" ? `☎ ${document.title.replace(/^☎ /, "")}`
        : document.title.replace(/^☎ /, "");
    };
    show("connecting");

    let config;
    try {
      const res = await fetch(el.dataset.config, { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) throw new Error(String(res.status));
      config = await res.json();
    } catch (e) {
      show("failed", String(e.message || e));
      return;
    }
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new JsSIP.WebSocketInterface(scheme + location.host + config.websocket_path);
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: config.uri,
      authorization_user: config.username,
      password: config.password,
      display_name: config.number,
      register: true,
      session_timers: false,
      user_agent: "eventpbx browser phone",
    });
    config.password = "";
    let registered = false;
    ua.on("registered", () => { registered = true; if (!session) show("ready"); });
    ua.on("unregistered", () => { registered = false; if (!session) show("off"); });
    ua.on("registrationFailed", (e) => { registered = false; show("failed", e.cause); });
    ua.on("disconnected", () => { if (!session) show("off"); });

    const counters = () => {
      const pc = session && session.connection;
      if (!pc) return;
      pc.getStats().then((report) => {
        let sent = 0, received = 0;
        report.forEach((s) => {
          if (s.kind !== "audio" && s.mediaType !== "audio") return;
          if (s.type === "outbound-rtp") sent += s.packetsSent || 0;
          if (s.type === "inbound-rtp") received += s.packetsReceived || 0;
        });
        ui.media.dataset.sent = String(sent);
        ui.media.dataset.received = String(received);
        ui.sent.textContent = String(sent);
        ui.received.textContent = String(received);
      }).catch(() => {});
    };
    const attachAudio = (pc) => {
      const play = (stream) => { ui.audio.srcObject = stream; ui.audio.play().catch(() => {}); };
      pc.addEventListener("track", (ev) => play(ev.streams[0] || new MediaStream([ev.track])));
    };
    const stopAlerts = () => {
      ring.stop();
      if (notification) { notification.close(); notification = null; }
    };
    const track = (s) => {
      session = s;
      ui.mute.setAttribute("aria-pressed", "false");
      ui.mute.textContent = text("mute");
      if (s.connection) attachAudio(s.connection);
      s.on("peerconnection", (e) => attachAudio(e.peerconnection));
      s.on("progress", () => { if (s.direction === "outgoing") show("ringing"); });
      s.on("confirmed", () => {
        stopAlerts();
        show("in-call");
        statsTimer = setInterval(counters, 1000);
      });
      const end = (e) => {
        stopAlerts();
        if (statsTimer) { counters(); clearInterval(statsTimer); statsTimer = null; }
        session = null;
        show(registered ? "ended" : "off", e && e.cause);
      };
      s.on("ended", end);
      s.on("failed", end);
    };

    const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };
    ua.on("newRTCSession", (e) => {
      const s = e.session;
      if (e.originator !== "remote") return;
      if (session) { s.terminate({ status_code: 486 }); return; }
      track(s);
      const from = s.remote_identity;
      const caller = (from.display_name ? `${from.display_name} ` : "") + `<${from.uri.user}>`;
      ui.caller.textContent = caller;
      show("incoming", caller);
      ring.start();
      if (window.Notification && Notification.permission === "granted" && document.hidden) {
        notification = new Notification(text("notify-title"), { body: caller, tag: el.id });
        notification.onclick = () => { window.focus(); ui.answer.focus(); };
      }
    });

    ui.call.addEventListener("click", () => {
      const target = ui.dial.value.replace(/[^0-9*#]/g, "");
      if (!target || session) return;
      show("calling", target);
      try {
        track(ua.call(`sip:${target}@${config.domain}`, media));
      } catch (e) {
        session = null;
        show("ended", String(e.message || e));
      }
    });
    ui.dial.addEventListener("keydown", (e) => { if (e.key === "Enter") ui.call.click(); });
    ui.hangup.addEventListener("click", () => { if (session) session.terminate(); });
    ui.answer.addEventListener("click", () => { if (session) session.answer(media); });
    ui.decline.addEventListener("click", () => {
      if (session) session.terminate({ status_code: 486, reason_phrase: "Busy Here" });
    });
    ui.mute.addEventListener("click", () => {
      if (!session) return;
      const muted = session.isMuted().audio;
      if (muted) session.unmute({ audio: true }); else session.mute({ audio: true });
      ui.mute.setAttribute("aria-pressed", String(!muted));
      ui.mute.textContent = muted ? text("mute") : text("unmute");
    });
    for (const key of el.querySelectorAll(".phone-key")) {
      key.addEventListener("click", () => {
        if (session && el.dataset.state === "in-call") {
          // RFC 4733 events in the media, as Asterisk's endpoints expect (dtmf_mode rfc4733).
          session.sendDTMF(key.dataset.key, { transportType: "RFC2833" });
        } else {
          ui.dial.value += key.dataset.key;
        }
      });
    }
    if (window.Notification && Notification.permission === "default") {
      ui.notify.hidden = false;
      ui.notify.addEventListener("click", () => {
        Notification.requestPermission().then(() => { ui.notify.hidden = true; });
      });
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show("failed", text("no-media"));
      return;
    }
    window.addEventListener("pagehide", () => ua.stop());
    ua.start();
  };

  for (const el of document.querySelectorAll(".phone[data-config]")) setUp(el);
})();
