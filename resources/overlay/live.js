// Live connection shared by the overlay and the tarot page: WebSocket push, with a
// 500 ms /api/state poll while the push channel is down (or when ?transport=poll is given).
"use strict";
(function () {
  const POLL_MS = 500;
  const params = new URLSearchParams(location.search);

  function connect(handlers) {
    const forcePoll = params.get("transport") === "poll";
    let pollTimer = null;
    let retryTimer = null;
    let polling = false;

    function setTransport(t) {
      document.body.dataset.transport = t;
      if (handlers.onTransport) handlers.onTransport(t);
    }

    async function pollOnce() {
      try {
        const r = await fetch("/api/state", { cache: "no-store", credentials: "same-origin" });
        if (!r.ok) throw new Error("HTTP " + r.status);
        handlers.onState(await r.json());
        if (polling) setTransport("poll");
      } catch (e) {
        setTransport("offline");
      }
    }

    function startPolling() {
      if (polling) return;
      polling = true;
      setTransport("poll");
      pollOnce();
      pollTimer = setInterval(pollOnce, POLL_MS);
    }

    function stopPolling() {
      polling = false;
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
    }

    function openPush() {
      // WebSocket push (browsers allow only 6 SSE connections per host; WebSockets are not limited).
      if (typeof WebSocket === "undefined") { startPolling(); return; }
      let ws;
      try {
        ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/ws");
      } catch (e) { startPolling(); scheduleRetry(); return; }
      ws.onmessage = function (ev) {
        let batch;
        try { batch = JSON.parse(ev.data); } catch (e) { return; }
        if (!Array.isArray(batch)) return;
        for (const d of batch) {
          if (d.type === "state") {
            stopPolling();
            setTransport("push");
            handlers.onState(d.state);
          } else {
            handlers.onDelta(d);
          }
        }
      };
      ws.onclose = function () {
        startPolling();  // keep the overlay live while the push channel is down
        scheduleRetry();
      };
    }

    function scheduleRetry() {
      if (!retryTimer) retryTimer = setTimeout(function () { retryTimer = null; openPush(); }, 1000);
    }

    if (forcePoll) startPolling(); else openPush();
  }

  window.OverlayLive = { connect: connect, params: params };
})();
