// The tarot corner page. Everything the viewer or the LLM wrote is rendered as text; charts are
// SVG elements built with createElementNS and numeric attributes only.
"use strict";
(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const FIXED = [["love", "연애"], ["work", "일"], ["money", "금전"], ["health", "건강"], ["relations", "인간관계"]];
  const $ = function (id) { return document.getElementById(id); };
  let clockOffset = 0;
  let current = null;
  let gridBuilt = false;

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function num(v) { v = Number(v); return isFinite(v) ? Math.max(0, Math.min(100, v)) : 0; }
  function text(el, s) { el.textContent = s == null ? "" : String(s); }
  function cardIndex(i) { i = Number(i); return Number.isInteger(i) && i >= 0 && i < 78 ? i : 0; }

  function cardEl(c, showMeaning) {
    const fig = document.createElement("figure");
    fig.className = "card" + (c.reversed ? " reversed" : "");
    const img = document.createElement("img");
    img.src = "/tarot/cards/" + cardIndex(c.index) + ".svg";
    img.alt = String(c.name_ko || "");
    fig.appendChild(img);
    const cap = document.createElement("figcaption");
    const pos = document.createElement("b");
    text(pos, c.position + " · #" + c.number);
    cap.appendChild(pos);
    cap.appendChild(document.createElement("br"));
    cap.appendChild(document.createTextNode(String(c.name_ko || "") + (c.reversed ? " (역)" : "")));
    if (showMeaning && c.meaning) {
      const m = document.createElement("span");
      m.className = "meaning";
      text(m, c.meaning);
      cap.appendChild(m);
    }
    fig.appendChild(cap);
    return fig;
  }

  function buildGrid() {
    const g = $("grid");
    for (let n = 1; n <= 78; n++) {
      const d = document.createElement("div");
      d.className = "slot";
      d.dataset.n = String(n);
      text(d, n);
      g.appendChild(d);
    }
    gridBuilt = true;
  }

  function radar(svg, axes) {
    clear(svg);
    const cx = 110, cy = 100, r = 72, n = axes.length;
    if (n < 3) return;
    const pt = function (i, v) {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      return [cx + Math.cos(a) * r * v, cy + Math.sin(a) * r * v];
    };
    for (const ring of [0.25, 0.5, 0.75, 1]) {
      const p = document.createElementNS(SVGNS, "polygon");
      p.setAttribute("points", axes.map(function (_, i) { return pt(i, ring).join(","); }).join(" "));
      p.setAttribute("class", "ring");
      svg.appendChild(p);
    }
    const shape = document.createElementNS(SVGNS, "polygon");
    shape.setAttribute("points", axes.map(function (a, i) { return pt(i, num(a.value) / 100).join(","); }).join(" "));
    shape.setAttribute("class", "shape");
    svg.appendChild(shape);
    axes.forEach(function (a, i) {
      const [x, y] = pt(i, 1.2);
      const t = document.createElementNS(SVGNS, "text");
      t.setAttribute("x", x.toFixed(1));
      t.setAttribute("y", (y + 4).toFixed(1));
      t.setAttribute("text-anchor", "middle");
      t.textContent = String(a.label) + " " + Math.round(num(a.value));
      svg.appendChild(t);
    });
  }

  function listItems(el, items, fn) {
    clear(el);
    for (const it of items || []) el.appendChild(fn(it));
  }

  function renderResult(r) {
    text($("summary"), r.summary);
    const vd = r.visual_data || {};
    const rf = vd.radar_fixed || {};
    radar($("radar-fixed"), FIXED.map(function (a) { return { label: a[1], value: rf[a[0]] }; }));
    radar($("radar-dynamic"), (vd.radar_dynamic || []).slice(0, 6));
    const yn = vd.yes_no || {};
    $("yes-bar").style.width = num(yn.yes) + "%";
    text($("yes-label"), "YES " + Math.round(num(yn.yes)) + "% " + (yn.label ? "· " + yn.label : ""));
    listItems($("keywords"), (vd.keywords || []).slice(0, 6), function (k) {
      const li = document.createElement("li"); text(li, "#" + k); return li;
    });
    listItems($("candidates"), (vd.candidates || []).slice(0, 5), function (c) {
      const li = document.createElement("li");
      const name = document.createElement("span"); text(name, c.name); li.appendChild(name);
      const bar = document.createElement("div"); bar.className = "bar";
      const fill = document.createElement("div"); fill.style.width = num(c.score) + "%"; bar.appendChild(fill);
      li.appendChild(bar);
      const note = document.createElement("small"); text(note, Math.round(num(c.score)) + " " + (c.note || ""));
      li.appendChild(note);
      return li;
    });
    listItems($("decision"), (vd.decision_map || []).slice(0, 4), function (d) {
      const li = document.createElement("li");
      const a = document.createElement("b"); text(a, d.choice); li.appendChild(a);
      li.appendChild(document.createTextNode(" → " + String(d.outcome || "")));
      const risk = document.createElement("small"); text(risk, " 위험 " + Math.round(num(d.risk)));
      li.appendChild(risk);
      return li;
    });
    const color = r.soul_color && /^#[0-9a-fA-F]{6}$/.test(r.soul_color.hex) ? r.soul_color.hex : "#8E7CC3";
    $("soul-swatch").style.background = color;
    $("tarot").style.setProperty("--soul", color);
    text($("soul-name"), (r.soul_color && r.soul_color.name) || color);
    const alert = r.danger_alert || {};
    $("alert").hidden = !alert.active;
    text($("alert"), alert.active ? "⚠ " + (alert.message || "주의하세요") : "");
  }

  function render(t) {
    current = t;
    const root = $("tarot");
    if (!t || t.enabled === false) { root.dataset.phase = "disabled"; return; }
    root.dataset.phase = t.phase;
    text($("who"), t.user ? t.user + "님의 타로" : "");
    text($("question"), t.question ? "Q. " + t.question : "");
    text($("notice"), t.notice);
    text($("error"), t.error);
    text($("how"), "채팅에 " + t.command + " 질문 을 입력하면 타로를 봐 드려요! (예: " + t.command + " 이번 달 연애운)");
    text($("queue"), t.queue && t.queue.length ? "대기: " + t.queue.join(", ") : "");
    if (t.phase === "picking" && !gridBuilt) buildGrid();
    const picked = new Set((t.picked || []).map(function (c) { return String(c.number); }));
    for (const s of $("grid").children) s.classList.toggle("chosen", picked.has(s.dataset.n));
    listItems($("picked"), t.picked || [], function (c) { return cardEl(c, false); });
    if (t.phase === "result" && t.reading) {
      listItems($("picked"), t.reading.cards || [], function (c) { return cardEl(c, true); });
      renderResult(t.reading);
    } else {
      $("alert").hidden = true;
    }
    tick();
  }

  function tick() {
    const t = current;
    if (!t || !t.expires_at || t.phase !== "picking") { text($("timer"), ""); return; }
    const left = Math.max(0, Math.round(t.expires_at - (Date.now() / 1000 + clockOffset)));
    text($("timer"), "⏳ " + left + "s");
  }

  function onState(s) {
    if (typeof s.server_time === "number") clockOffset = s.server_time - Date.now() / 1000;
    render(s.tarot);
  }

  function onDelta(d) {
    if (d.type === "tarot") render(d.tarot);
  }

  if (window.OverlayLive.params.has("obs")) document.body.classList.add("obs");
  setInterval(tick, 1000);
  window.OverlayLive.connect({ onState: onState, onDelta: onDelta });
})();
