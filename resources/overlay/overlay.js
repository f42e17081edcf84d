// The chat overlay. Viewer text and nicknames are hostile input: they only ever become text
// nodes (textContent / createTextNode); emoji images only come from CHZZK's image hosts.
"use strict";
(function () {
  const THEMES = ["default", "compact", "large", "replies", "chat"];
  const EMOJI_HOSTS = ["nng-phinf.pstatic.net", "ssl.pstatic.net"];
  const EMOJI_RE = /\{:([^:{}\s]{1,64}):\}/g;
  const MAX_VIEWER = 60, MAX_ASSISTANT = 20;
  const params = window.OverlayLive.params;
  const obs = params.has("obs");
  const qTheme = params.get("theme");
  const qCols = params.get("cols");

  const viewerList = document.getElementById("viewer");
  const assistantList = document.getElementById("assistant");
  const themeLink = document.getElementById("theme");
  let clockOffset = 0;  // server_time - local time (seconds)
  let fadeAfter = 600;
  let ignoreStreamer = false;
  let lastRev = 0;

  function safeEmojiUrl(url) {
    if (typeof url !== "string") return null;
    let u;
    try { u = new URL(url); } catch (e) { return null; }
    if (u.protocol !== "https:" || EMOJI_HOSTS.indexOf(u.hostname) < 0 || u.username || u.password) return null;
    return u.href;
  }

  function appendRich(el, text, emojis) {
    // Split on {:name:} placeholders; everything else is a text node.
    let last = 0, m;
    EMOJI_RE.lastIndex = 0;
    while ((m = EMOJI_RE.exec(text)) !== null) {
      const url = emojis && Object.prototype.hasOwnProperty.call(emojis, m[1]) ? safeEmojiUrl(emojis[m[1]]) : null;
      if (!url) continue;
      if (m.index > last) el.appendChild(document.createTextNode(text.slice(last, m.index)));
      const img = document.createElement("img");
      img.className = "emoji";
      img.alt = m[1];
      img.referrerPolicy = "no-referrer";
      img.src = url;
      el.appendChild(img);
      last = m.index + m[0].length;
    }
    if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
  }

  function viewerItem(e) {
    const li = document.createElement("li");
    li.dataset.id = String(e.id);
    li.dataset.ts = String(e.ts);
    li.className = "msg viewer role-" + (["streamer", "manager"].indexOf(e.role) >= 0 ? e.role : "viewer");
    const nick = document.createElement("span");
    nick.className = "nick";
    nick.textContent = String(e.user);
    li.appendChild(nick);
    if (typeof e.donation === "number") {
      const d = document.createElement("span");
      d.className = "donation";
      d.textContent = "🧀 " + e.donation.toLocaleString("ko-KR");
      li.appendChild(d);
    }
    const text = document.createElement("span");
    text.className = "text";
    text.dir = "auto";
    appendRich(text, String(e.message), e.emojis || {});
    li.appendChild(text);
    flags(li, e);
    return li;
  }

  function flags(li, e) {
    li.classList.toggle("processed", !!e.processed);
    li.classList.toggle("filtered", !!e.filtered);
  }

  function replyItem(e) {
    const li = document.createElement("li");
    li.dataset.id = String(e.id);
    li.dataset.ts = String(e.ts);
    li.className = "msg reply emotion-" + String(e.emotion || "neutral").replace(/[^a-z]/g, "");
    const text = document.createElement("span");
    text.className = "text";
    text.dir = "auto";
    text.textContent = String(e.message);
    li.appendChild(text);
    return li;
  }

  // Donation / subscription alert: text only (textContent), up for entry.duration_s seconds.
  const alertBox = document.getElementById("alert");
  let alertShown = null, alertTimer = null;
  function showAlert(e) {
    if (!e || !alertBox || alertShown === e.id) return;
    const dur = typeof e.duration_s === "number" ? e.duration_s : 6;
    const left = (typeof e.ts === "number" ? e.ts + dur - (Date.now() / 1000 + clockOffset) : dur);
    if (left <= 0) return;  // an old alert from a state snapshot: not shown again
    alertShown = e.id;
    alertBox.className = "alert alert-" + (e.kind === "subscription" ? "subscription" : "donation");
    alertBox.querySelector(".alert-nick").textContent = String(e.user || "");
    let what;
    if (e.kind === "subscription") {
      const tier = e.tier_name ? String(e.tier_name) : (typeof e.tier_no === "number" ? "티어 " + e.tier_no : "");
      what = " 구독" + (tier ? " · " + tier : "") + (typeof e.months === "number" ? " · " + e.months + "개월" : "");
    } else {
      what = typeof e.amount === "number" ? " 🧀 " + e.amount.toLocaleString("ko-KR") : " 후원";
    }
    alertBox.querySelector(".alert-what").textContent = what;
    alertBox.querySelector(".alert-text").textContent = String(e.text || "");
    alertBox.hidden = false;
    if (alertTimer) clearTimeout(alertTimer);
    alertTimer = setTimeout(function () { alertBox.hidden = true; alertTimer = null; }, Math.min(left, 60) * 1000);
  }

  function findItem(list, id) {
    for (const li of list.children) if (li.dataset.id === String(id)) return li;
    return null;
  }

  function trim(list, max) {
    while (list.children.length > max) list.removeChild(list.firstElementChild);
  }

  function markLatest() {
    const items = assistantList.children;
    for (let i = 0; i < items.length; i++) items[i].classList.toggle("latest", i === items.length - 1);
  }

  function reconcile(list, entries, make, update) {
    const want = new Map(entries.map(function (e) { return [String(e.id), e]; }));
    for (const li of Array.from(list.children)) if (!want.has(li.dataset.id)) list.removeChild(li);
    let prev = null;
    for (const e of entries) {
      let li = findItem(list, e.id);
      if (!li) li = make(e); else if (update) update(li, e);
      const next = prev ? prev.nextSibling : list.firstChild;
      if (li !== next) list.insertBefore(li, next);
      prev = li;
    }
  }

  function applyView(view) {
    const theme = THEMES.indexOf(qTheme) >= 0 ? qTheme : (THEMES.indexOf(view.theme) >= 0 ? view.theme : "default");
    const href = "/themes/" + theme + ".css";
    if (themeLink.getAttribute("href") !== href) themeLink.setAttribute("href", href);
    document.body.dataset.theme = theme;
    let showA = view.show_assistant !== false, showV = view.show_viewer !== false;
    if (qCols) { const c = qCols.split(","); showA = c.indexOf("assistant") >= 0; showV = c.indexOf("viewer") >= 0; }
    document.body.classList.toggle("hide-assistant", !showA);
    document.body.classList.toggle("hide-viewer", !showV);
  }

  function applyConfig(d) {
    if (typeof d.ignore_streamer_chat === "boolean") {
      ignoreStreamer = d.ignore_streamer_chat;
      const b = document.getElementById("btn-streamer");
      if (b) b.textContent = ignoreStreamer ? "방장 채팅 보이기 (show streamer)" : "방장 채팅 숨기기 (hide streamer)";
      document.body.dataset.ignoreStreamer = String(ignoreStreamer);
    }
    if (d.view) applyView(d.view);
  }

  function onState(s) {
    if (typeof s.server_time === "number") clockOffset = s.server_time - Date.now() / 1000;
    if (typeof s.fade_after_s === "number") fadeAfter = s.fade_after_s;
    lastRev = s.rev || 0;
    reconcile(viewerList, s.viewer_messages || [], viewerItem, flags);
    reconcile(assistantList, s.assistant_messages || [], replyItem, null);
    markLatest();
    applyConfig(s);
    document.body.classList.toggle("paused", !!s.paused);
    document.body.classList.toggle("lockdown", !!s.lockdown);
    if (s.lockdown) { const a = document.getElementById("alert"); if (a) a.hidden = true; }
    if (s.alert && !s.lockdown) showAlert(s.alert);
    fade();
  }

  function onDelta(d) {
    if (d.rev && d.rev <= lastRev) return;
    if (d.rev) lastRev = d.rev;
    switch (d.type) {
      case "viewer":
        if (!findItem(viewerList, d.entry.id)) viewerList.appendChild(viewerItem(d.entry));
        trim(viewerList, MAX_VIEWER);
        break;
      case "update": {
        const li = findItem(viewerList, d.entry.id);
        if (li) flags(li, d.entry);
        break;
      }
      case "processed":
        for (const id of d.ids || []) { const li = findItem(viewerList, id); if (li) li.classList.add("processed"); }
        break;
      case "assistant":
        assistantList.appendChild(replyItem(d.entry));
        trim(assistantList, MAX_ASSISTANT);
        markLatest();
        break;
      case "remove":
        for (const id of d.viewer_ids || []) { const li = findItem(viewerList, id); if (li) li.remove(); }
        for (const id of d.assistant_ids || []) { const li = findItem(assistantList, id); if (li) li.remove(); }
        markLatest();
        break;
      case "config":
        applyConfig(d);
        break;
      case "paused":
        document.body.classList.toggle("paused", !!d.paused);
        break;
      case "state":
        onState(d.state);
        break;
      case "alert":
        showAlert(d.entry);
        break;
    }
  }

  function fade() {
    const now = Date.now() / 1000 + clockOffset;
    for (const list of [viewerList, assistantList]) {
      for (const li of list.children) {
        const ts = parseFloat(li.dataset.ts);
        li.classList.toggle("faded", isFinite(ts) && now - ts > fadeAfter);
      }
    }
  }

  async function post(path) {
    try {
      const r = await fetch(path, { method: "POST", credentials: "same-origin" });
      const d = await r.json();
      if (typeof d.ignore_streamer_chat === "boolean") applyConfig(d);
    } catch (e) { /* the push channel shows the result */ }
  }

  if (obs) {
    document.body.classList.add("obs");
  } else {
    const controls = document.getElementById("controls");
    controls.hidden = false;
    document.getElementById("btn-clear").addEventListener("click", function () { post("/api/clear"); });
    document.getElementById("btn-streamer").addEventListener("click", function () { post("/api/toggle_streamer_chat"); });
  }
  applyView({});
  setInterval(fade, 5000);
  window.OverlayLive.connect({ onState: onState, onDelta: onDelta });
})();
