/* Kairos console: the shared part. Tokens, the API, the live feed, small DOM helpers.
 *
 * The console is a client of the public API like any other: it signs in with
 * /api/v1/auth/login, keeps the access and refresh tokens in localStorage (so a task opened
 * in a new tab is still signed in), sends them as an Authorization header (never in a URL)
 * and, for the WebSocket feed, in the first message.
 */
"use strict";

(function () {
  const STORE = "kairos.session";
  const FINISHED = ["succeeded", "failed", "cancelled"];
  const TERMINAL = ["complete", "error"];

  // --- session ---------------------------------------------------------------------------

  function session() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || null;
    } catch (_e) {
      return null;
    }
  }

  function saveTokens(tokens) {
    localStorage.setItem(
      STORE,
      JSON.stringify({
        access: tokens.access_token,
        refresh: tokens.refresh_token,
        org_id: tokens.org_id,
      })
    );
  }

  function clearSession() {
    localStorage.removeItem(STORE);
  }

  function toLogin() {
    if (location.pathname === "/login") return;
    const next = location.pathname + location.search;
    location.assign("/login?next=" + encodeURIComponent(next));
  }

  // --- the API ---------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "HTTP " + status);
      this.status = status;
      this.code = body && body.code;
      this.errors = (body && body.errors) || {};
    }
  }

  let refreshing = null;

  function refresh() {
    const s = session();
    if (!s || !s.refresh) return Promise.resolve(false);
    if (!refreshing) {
      refreshing = fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ refresh_token: s.refresh }),
      })
        .then(async (resp) => {
          if (!resp.ok) {
            // Another tab may have rotated the pair a moment ago: take its tokens.
            const now = session();
            return !!(now && now.refresh !== s.refresh);
          }
          saveTokens((await resp.json()).data);
          return true;
        })
        .catch(() => false)
        .finally(() => {
          refreshing = null;
        });
    }
    return refreshing;
  }

  async function readJson(resp) {
    try {
      return await resp.json();
    } catch (_e) {
      return null;
    }
  }

  /* One call: returns the envelope ({status, data, meta}); throws ApiError on a non-2xx.
   * A 401 refreshes the tokens once and repeats; a second 401 signs out. */
  async function request(method, path, body, opts) {
    opts = opts || {};
    for (let attempt = 0; attempt < 2; attempt++) {
      const s = session();
      const headers = Object.assign({ Accept: "application/json" }, opts.headers || {});
      if (s && s.access) headers.Authorization = "Bearer " + s.access;
      let payload;
      if (body instanceof FormData) {
        payload = body;
      } else if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      const resp = await fetch(path, { method, headers, body: payload, signal: opts.signal });
      if (resp.status === 401 && s && attempt === 0) {
        const now = session();
        if ((now && now.access !== s.access) || (await refresh())) continue;
        clearSession();
        toLogin();
        throw new ApiError(401, { message: "Your session has ended; sign in again" });
      }
      if (opts.raw) {
        if (!resp.ok) throw new ApiError(resp.status, await readJson(resp));
        return resp;
      }
      const envelope = await readJson(resp);
      if (!resp.ok) throw new ApiError(resp.status, envelope);
      return envelope || { data: null };
    }
    throw new ApiError(401, { message: "Not signed in" });
  }

  const api = {
    request,
    get: async (path) => (await request("GET", path)).data,
    page: (path) => request("GET", path),
    post: async (path, body, opts) => (await request("POST", path, body === undefined ? {} : body, opts)).data,
    put: async (path, body) => (await request("PUT", path, body)).data,
    patch: async (path, body) => (await request("PATCH", path, body)).data,
    del: async (path) => (await request("DELETE", path)).data,
  };

  // --- DOM helpers -----------------------------------------------------------------------

  /* h("a", {href: "/x", text: "x"}, child, …): builds elements; text is never parsed as
   * HTML, so nothing from the API can inject markup. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  const SVG = "http://www.w3.org/2000/svg";

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "text") {
        el.textContent = value;
      } else if (key === "class") {
        el.setAttribute("class", value);
      } else if (key === "value" && "value" in el) {
        el.value = value;
      } else if (key === "checked" || key === "selected") {
        el[key] = !!value;
      } else {
        el.setAttribute(key, value === true ? "" : String(value));
      }
    }
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
  }

  function $(selector, root) {
    return (root || document).querySelector(selector);
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  function announce(message) {
    const live = $("#live");
    if (!live) return;
    live.textContent = "";
    // A fresh text node after a tick is what screen readers reliably announce.
    setTimeout(() => {
      live.textContent = message;
    }, 30);
  }

  function showError(err) {
    const box = $("#alert");
    const message = err instanceof Error ? err.message : String(err);
    if (!box) return;
    clear(box);
    box.append(message);
    const fields = err && err.errors ? Object.entries(err.errors) : [];
    if (fields.length) {
      box.append(
        h("ul", {}, fields.map(([k, v]) => h("li", { text: k + ": " + [].concat(v).join(" ") })))
      );
    }
    box.hidden = false;
  }

  function clearError() {
    const box = $("#alert");
    if (box) {
      box.hidden = true;
      clear(box);
    }
  }

  function notice(el, message) {
    clear(el);
    el.append(h("p", { class: "notice", role: "status", text: message }));
  }

  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  function pct(value) {
    return Math.round((Number(value) || 0) * 100) + " %";
  }

  function json(value) {
    return h("pre", { text: JSON.stringify(value, null, 2) });
  }

  /* Any JSON value as a readable definition list or table (for results we do not know). */
  function view(value, depth) {
    depth = depth || 0;
    if (value === null || value === undefined) return h("span", { class: "muted", text: "—" });
    if (Array.isArray(value)) {
      if (!value.length) return h("span", { class: "muted", text: "none" });
      if (value.every((v) => v && typeof v === "object" && !Array.isArray(v)) && depth < 2) {
        const cols = [...new Set(value.flatMap((v) => Object.keys(v)))].slice(0, 8);
        return h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            {},
            h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col", text: c })))),
            h(
              "tbody",
              {},
              value.slice(0, 200).map((row) => h("tr", {}, cols.map((c) => h("td", {}, cell(row[c])))))
            )
          )
        );
      }
      return h("ul", {}, value.slice(0, 200).map((v) => h("li", {}, view(v, depth + 1))));
    }
    if (typeof value === "object") {
      if (depth > 3) return json(value);
      return h(
        "dl",
        { class: "facts" },
        Object.entries(value).map(([k, v]) => [h("dt", { text: k }), h("dd", {}, view(v, depth + 1))])
      );
    }
    return h("span", { text: String(value) });
  }

  function cell(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "object") return JSON.stringify(value).slice(0, 200);
    return String(value);
  }

  function stateBadge(state) {
    return h("span", { class: "state state-" + state, text: state });
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
    const text = q.toString();
    return text ? "?" + text : "";
  }

  function formData(form) {
    const out = {};
    for (const [k, v] of new FormData(form).entries()) if (v !== "") out[k] = v;
    return out;
  }

  // --- the live feed ---------------------------------------------------------------------

  function newer(id, than) {
    if (!than) return true;
    const [a1, a2] = id.split("-").map(Number);
    const [b1, b2] = than.split("-").map(Number);
    return a1 > b1 || (a1 === b1 && (a2 || 0) > (b2 || 0));
  }

  /* One WebSocket to /api/v1/ws. Authenticates in its first message, re-subscribes after a
   * reconnect and resumes each task it follows after the last event it saw
   * (last_event_id), so a dropped connection loses nothing and repeats nothing. */
  class Feed {
    constructor(onEvent) {
      this.onEvent = onEvent;
      this.onReconnect = null;
      this.lastIds = new Map();
      this.tasks = new Set();
      this.ended = new Set();
      this.all = false;
      this.ws = null;
      this.ready = false;
      this.opened = 0;
      this.backoff = 500;
      this.stopped = false;
      Feed.open.push(this);
    }

    connect() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(scheme + "//" + location.host + "/api/v1/ws");
      this.ws = ws;
      ws.addEventListener("open", () => {
        const s = session();
        ws.send(JSON.stringify({ type: "auth", token: s ? s.access : "" }));
      });
      ws.addEventListener("message", (m) => this._message(JSON.parse(m.data)));
      ws.addEventListener("close", (e) => this._closed(e));
      return this;
    }

    _message(msg) {
      if (msg.type === "ack" && msg.of === "auth") {
        this.ready = true;
        this.backoff = 500;
        setStatus("live");
        this._subscribeAll();
        if (this.opened++ > 0 && this.onReconnect) this.onReconnect();
        return;
      }
      if (msg.task_id && msg.id) {
        if (!newer(msg.id, this.lastIds.get(msg.task_id))) return; // replayed twice
        this.lastIds.set(msg.task_id, msg.id);
        if (TERMINAL.includes(msg.type)) this.ended.add(msg.task_id);
      }
      this.onEvent(msg);
    }

    async _closed(event) {
      this.ready = false;
      if (this.stopped) return;
      setStatus("reconnecting");
      if (event.code === 4401 && !(await refresh())) {
        clearSession();
        toLogin();
        return;
      }
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    }

    _send(message) {
      if (this.ready && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    }

    _subscribeAll() {
      if (this.all) this._send({ type: "subscribe", task_id: "all" });
      for (const id of this.tasks) this._subscribe(id);
      // Under `all`, tasks seen live but not ended are resumed one by one: `all` itself
      // only carries what happens from now on.
      for (const id of this.lastIds.keys()) {
        if (!this.tasks.has(id) && !this.ended.has(id)) this._subscribe(id);
      }
    }

    _subscribe(id) {
      const msg = { type: "subscribe", task_id: id };
      const last = this.lastIds.get(id);
      if (last) msg.last_event_id = last;
      this._send(msg);
    }

    watchAll() {
      this.all = true;
      this._send({ type: "subscribe", task_id: "all" });
    }

    watch(id) {
      this.tasks.add(id);
      this._subscribe(id);
    }

    close() {
      this.stopped = true;
      if (this.ws) this.ws.close();
    }
  }

  Feed.open = []; // every feed of the page (the tests drop one to see it resume)

  function setStatus(text) {
    const el = $("#feed-status");
    if (!el) return;
    el.textContent = text === "live" ? "live" : "reconnecting…";
    el.className = "pill " + text;
    el.hidden = false; // shown once the page has a feed
  }

  // --- page start ------------------------------------------------------------------------

  async function fillHeader(me) {
    const who = $("#me");
    if (who) who.textContent = me.email + " · " + me.org_name + " (" + me.role + ")";
    const select = $("#org-switch");
    if (select && me.orgs && me.orgs.length > 1) {
      clear(select);
      for (const org of me.orgs) {
        select.append(
          h("option", { value: org.org_id, selected: org.org_id === me.org_id, text: org.org_name + " (" + org.role + ")" })
        );
      }
      select.hidden = false;
      select.addEventListener("change", async () => {
        try {
          saveTokens(await api.post("/api/v1/auth/switch-org", { org_id: select.value }));
          location.reload();
        } catch (err) {
          showError(err);
        }
      });
    }
    const out = $("#sign-out");
    if (out) {
      out.addEventListener("click", async () => {
        const s = session();
        try {
          await api.post("/api/v1/auth/logout", { refresh_token: s && s.refresh });
        } catch (_e) {
          // Signed out locally whatever the server says.
        }
        clearSession();
        location.assign("/login");
      });
    }
  }

  /* Every signed-in page: check the session, fill the header, then run the page. */
  function start(page) {
    document.addEventListener("DOMContentLoaded", async () => {
      if (!session()) return toLogin();
      let me;
      try {
        me = await api.get("/api/v1/users/me");
      } catch (err) {
        if (err.status !== 401) showError(err);
        return;
      }
      await fillHeader(me);
      try {
        await page(me);
      } catch (err) {
        showError(err);
      }
    });
  }

  // --- tasks started by a workload page ------------------------------------------------------

  const watchers = new Map();
  let shared = null;

  function sharedFeed() {
    if (!shared) {
      shared = new Feed((event) => {
        const watcher = watchers.get(event.task_id);
        if (watcher) watcher(event);
      });
      shared.connect();
    }
    return shared;
  }

  /* Show a task's live progress in `box` (a bar, its stage and a link to the task) and
   * resolve with the finished task row. `onEvent` sees every event (e.g. LLM tokens). */
  function track(task, box, onEvent) {
    const bar = h("progress", { max: "100", value: String(task.progress || 0), "aria-label": task.kind + " progress" });
    const text = h("span", { role: "status", text: task.state });
    if (box) {
      clear(box).append(
        h("div", { class: "tracker" }, bar, " ", text, " · ", h("a", { href: "/tasks/" + task.id, text: "task page" }))
      );
    }
    return new Promise((resolve) => {
      const done = async () => {
        watchers.delete(task.id);
        const row = await api.get("/api/v1/tasks/" + task.id);
        text.textContent = row.state + (row.error ? ": " + row.error.code + " " + row.error.message : "");
        if (row.state === "succeeded") bar.value = 100;
        announce(task.kind + " " + row.state);
        resolve(row);
      };
      if (FINISHED.includes(task.state)) return done();
      watchers.set(task.id, (event) => {
        if (onEvent) onEvent(event);
        if (event.type === "progress") {
          if (event.percent !== undefined) bar.value = event.percent;
          text.textContent = [event.stage, event.message].filter(Boolean).join(": ");
        } else if (TERMINAL.includes(event.type)) {
          done();
        }
      });
      sharedFeed().watch(task.id);
    });
  }

  /* A form whose submit runs `fn(form)`, with errors shown and the button held meanwhile. */
  function onSubmit(form, fn) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearError();
      const button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      try {
        await fn(form);
      } catch (err) {
        showError(err);
      } finally {
        if (button) button.disabled = false;
      }
    });
  }

  window.Kairos = {
    FINISHED,
    TERMINAL,
    api,
    ApiError,
    session,
    saveTokens,
    clearSession,
    Feed,
    h,
    s,
    $,
    clear,
    announce,
    showError,
    clearError,
    notice,
    when,
    pct,
    json,
    view,
    stateBadge,
    query,
    formData,
    start,
    track,
    sharedFeed,
    onSubmit,
  };
})();
