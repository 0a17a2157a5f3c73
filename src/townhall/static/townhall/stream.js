// The member's stream: one WebSocket per tab to /ws/stream/ (docs/stream-protocol.md). Progressive
// enhancement only: every page works without it.
//
// - Every frame is dispatched on document as a "townhall:broadcast" event (detail: the frame). A
//   "stream/reset" event is cancelable: a page that reloads its own data calls preventDefault(); else the
//   status line offers a reload.
// - Pages send frames (typing) with a "townhall:stream-send" event whose detail is the frame.
// - Reconnects with backoff and resumes after the last sequence it saw (?after=<seq>), holding its cursor
//   back GRACE ms so that a broadcast delivered late by another process is still replayed; frames are
//   deduplicated by seq.
// - Heartbeats every 25 s (online or away); a missing pong means a dead socket (laptop sleep): reconnect.
// - While the socket is down the status line (base.html) says "Live updates paused — reconnecting…".
(function () {
  "use strict";
  const body = document.body;
  if (!body || body.dataset.stream !== "on" || !("WebSocket" in window)) return;

  const SIGNED_OUT = 4401;
  const HEARTBEAT = 25000;
  const PONG_WAIT = 10000;
  const GRACE = 10000;
  const status = document.querySelector("[data-stream-status]");
  const scheme = location.protocol === "https:" ? "wss" : "ws";

  let socket = null;
  let live = false;
  let wasLive = false;
  let leaving = false;
  let delay = 1000;
  let retryTimer = null;
  let beatTimer = null;
  let watchdog = null;
  let lastHeard = Date.now();

  // The cursor: the highest seq heard more than GRACE before the last sign of life; `recent` holds what
  // came since (seq, time) and `seen` the broadcasts among them, to drop one that comes twice.
  let cursor = /^\d+$/.test(body.dataset.streamAfter || "") ? Number(body.dataset.streamAfter) : null;
  const recent = [];
  const seen = new Set();

  const settle = function () {
    while (recent.length && recent[0][1] < lastHeard - GRACE) {
      const seq = recent.shift()[0];
      seen.delete(seq);
      if (cursor === null || seq > cursor) cursor = seq;
    }
  };
  const resumeAfter = function () {
    settle();
    if (cursor !== null) return cursor;
    return recent.length ? Math.min.apply(null, recent.map(function (r) { return r[0]; })) : null;
  };

  const show = function (text, withReload) {
    if (!status) return;
    status.replaceChildren();
    if (!text) return;
    status.append(text);
    if (withReload) {
      const link = document.createElement("a");
      link.href = location.pathname + location.search;
      link.textContent = "Reload";
      status.append(" ", link);
    }
  };
  const paused = function () { if (!leaving) show("Live updates paused — reconnecting…"); };

  const dispatch = function (frame) {
    const event = new CustomEvent("townhall:broadcast", { detail: frame, cancelable: true });
    document.dispatchEvent(event);
    return event;
  };

  const send = function (frame) {
    if (!socket || socket.readyState !== WebSocket.OPEN || !live) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };
  const beat = function () {
    if (!send({ type: "heartbeat", state: document.hidden ? "away" : "online" })) return;
    clearTimeout(watchdog);
    const sent = Date.now();
    watchdog = setTimeout(function () {
      if (lastHeard < sent) drop(); // nothing came back: the socket is dead, whatever the browser thinks
    }, PONG_WAIT);
  };

  const stopTimers = function () {
    clearInterval(beatTimer);
    clearTimeout(watchdog);
    beatTimer = watchdog = null;
  };
  const schedule = function () {
    clearTimeout(retryTimer);
    const wait = delay * (0.75 + Math.random() / 2);
    delay = Math.min(delay * 2, 30000);
    retryTimer = setTimeout(connect, wait);
  };
  const drop = function () {
    // Forget this socket (its late events are ignored) and reconnect.
    const old = socket;
    socket = null;
    live = false;
    stopTimers();
    if (old) {
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      try { old.close(); } catch (e) { /* already closing */ }
    }
    if (wasLive) paused();
    schedule();
  };

  const onFrame = function (frame) {
    settle();
    if (frame.type === "stream" && (frame.op === "live" || frame.op === "reset")) {
      if (frame.op === "reset") {
        recent.length = 0;
        seen.clear();
        cursor = null;
      }
      if (typeof frame.seq === "number") recent.push([frame.seq, Date.now()]);
      if (frame.op === "reset") {
        if (!dispatch(frame).defaultPrevented) show("You missed some live updates while offline.", true);
        return;
      }
      live = wasLive = true;
      delay = 1000;
      if (!status || !status.querySelector("a")) show("");
      clearInterval(beatTimer);
      beatTimer = setInterval(beat, HEARTBEAT);
      dispatch(frame);
      return;
    }
    if (typeof frame.seq === "number") {
      if (seen.has(frame.seq)) return; // replayed and live, or a retry: once is enough
      seen.add(frame.seq);
      recent.push([frame.seq, Date.now()]);
    }
    dispatch(frame);
  };

  const connect = function () {
    clearTimeout(retryTimer);
    if (socket || leaving) return;
    const after = resumeAfter();
    const ws = new WebSocket(scheme + "://" + location.host + "/ws/stream/" + (after === null ? "" : "?after=" + after));
    socket = ws;
    ws.onmessage = function (msg) {
      lastHeard = Date.now();
      let frame;
      try { frame = JSON.parse(msg.data); } catch (e) { return; }
      if (frame && typeof frame === "object") onFrame(frame);
    };
    ws.onclose = function (ev) {
      if (socket !== ws) return;
      socket = null;
      live = false;
      stopTimers();
      if (ev.code === SIGNED_OUT) { show(""); return; }
      paused();
      schedule();
    };
  };

  document.addEventListener("townhall:stream-send", function (event) {
    if (event.detail && typeof event.detail === "object") send(event.detail);
  });
  document.addEventListener("visibilitychange", function () {
    if (live) beat(); // away or back; after a sleep this also finds out whether the socket survived
    else if (!document.hidden && !socket) { delay = 1000; connect(); }
  });
  window.addEventListener("online", function () { if (!socket) { delay = 1000; connect(); } });
  window.addEventListener("pagehide", function () { leaving = true; });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { leaving = false; if (!socket) connect(); } // back from the page cache
  });
  connect();
})();
