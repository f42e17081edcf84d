// Live connection shared by the overlay and the tarot page: Server-Sent Events push, with a
// 500 ms /api/state poll while the push channel is down (or when ?transport=poll is given).
"use strict";
(function () {
  const POLL_MS = 500;
  const params = new URLSearchParams(location.search);

  function connect(handlers) {
    const forcePoll = params.get("transport") === "poll";
    let es = null;
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
      if (typeof EventSource === "undefined") { startPolling(); return; }
      es = new EventSource("/api/events");
      es.onmessage = function (ev) {
        let d;
        try { d = JSON.parse(ev.data); } catch (e) { return; }
        if (d.type === "state") {
          stopPolling();
          setTransport("push");
          handlers.onState(d.state);
        } else {
          handlers.onDelta(d);
        }
      };
      es.onerror = function () {
        startPolling();  // keep the overlay live while the push channel is down
        if (es.readyState === EventSource.CLOSED) {
          es = null;
          if (!retryTimer) retryTimer = setTimeout(function () { retryTimer = null; openPush(); }, 3000);
        }
      };
    }

    if (forcePoll) startPolling(); else openPush();
  }

  window.OverlayLive = { connect: connect, params: params };
})();
