/* Monitoring: resources with their status, check now (live), a history chart (inline SVG),
 * groups, announcements, notification channels (send a test, live), Resource Discovery rules
 * (run now, live), and the public status page's address. */
"use strict";

(function () {
  const K = window.Kairos;
  const h = K.h;
  const s = K.s;
  const M = "/api/v1/monitoring";

  function statusClass(status) {
    status = String(status || "").toUpperCase();
    return status === "UP" || status === "AVAILABLE" ? "ok" : status === "DOWN" || status === "NOT_AVAILABLE" ? "bad" : "warn";
  }

  async function resources() {
    const list = await K.api.get(M + "/resources?page_size=100");
    const tbody = K.clear(K.$("#resources tbody"));
    for (const r of list) {
      const check = h("button", { type: "button", text: "Check now", "aria-label": "Check " + r.name + " now" });
      check.addEventListener("click", async () => {
        try {
          const task = await K.api.post(M + "/resources/" + r.id + "/check");
          await K.track(task, K.$("#check-progress"));
          await resources();
          await history(r);
        } catch (err) {
          K.showError(err);
        }
      });
      const hist = h("button", { type: "button", text: "History", "aria-label": "History of " + r.name });
      hist.addEventListener("click", () => history(r).catch(K.showError));
      tbody.append(h("tr", { "data-resource-id": r.id }, h("td", { text: r.name }), h("td", { text: r.resourceType }),
        h("td", {}, h("code", { text: r.target })),
        h("td", {}, r.active === false ? h("span", { class: "muted", text: "inactive" })
          : h("span", { class: statusClass(r.currentStatus), text: r.currentStatus || "—" })),
        h("td", { text: r.latestLatencyMs === null || r.latestLatencyMs === undefined ? "—" : Math.round(r.latestLatencyMs) + " ms" }),
        h("td", { text: K.when(r.latestCheckedAt) }), h("td", { class: "actions" }, check, hist)));
    }
    if (!list.length) tbody.append(h("tr", {}, h("td", { colspan: "7", class: "muted", text: "No resources yet." })));
  }

  /* Latency over time as a line, failed checks as red dots; the same data as a table. */
  function chart(checks) {
    const W = 600, H = 200, P = 30;
    const points = checks.slice().reverse().map((c) => ({ t: Date.parse(c.checkedAt), ms: c.latencyMs || 0, down: c.status !== "AVAILABLE" }));
    const t0 = Math.min(...points.map((p) => p.t)), t1 = Math.max(...points.map((p) => p.t));
    const top = Math.max(1, ...points.map((p) => p.ms));
    const x = (t) => P + (t1 === t0 ? (W - 2 * P) / 2 : ((t - t0) / (t1 - t0)) * (W - 2 * P));
    const y = (ms) => H - P - (ms / top) * (H - 2 * P);
    const downs = points.filter((p) => p.down).length;
    const label = "Latency of the last " + points.length + " checks, up to " + Math.round(top) + " ms; " + downs + " failed";
    const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": label },
      s("title", { text: label }),
      s("line", { class: "axis", x1: P, y1: H - P, x2: W - P, y2: H - P }),
      s("line", { class: "axis", x1: P, y1: P, x2: P, y2: H - P }),
      s("text", { x: 2, y: P, text: Math.round(top) + " ms" }),
      s("text", { x: 2, y: H - P, text: "0" }),
      s("polyline", { class: "line", points: points.map((p) => x(p.t).toFixed(1) + "," + y(p.ms).toFixed(1)).join(" ") }),
      points.filter((p) => p.down).map((p) => s("circle", { class: "down", cx: x(p.t).toFixed(1), cy: (H - P).toFixed(1), r: 4 })));
    return svg;
  }

  async function history(r) {
    const box = K.clear(K.$("#history"));
    const checks = await K.api.get(M + "/resources/" + r.id + "/history?page_size=100");
    box.append(h("h3", { text: r.name }));
    if (!checks.length) return box.append(h("p", { class: "muted", text: "No checks yet." }));
    box.append(chart(checks), h("details", {}, h("summary", { text: "Checks as a table" }),
      h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, ["When", "Status", "Latency", "Message"].map((c) => h("th", { scope: "col", text: c })))),
        h("tbody", {}, checks.map((c) => h("tr", {}, h("td", { text: K.when(c.checkedAt) }),
          h("td", {}, h("span", { class: statusClass(c.status), text: c.status })),
          h("td", { text: c.latencyMs === null ? "—" : Math.round(c.latencyMs) + " ms" }),
          h("td", { text: [c.errorCode, c.message].filter(Boolean).join(": ") || "—" }))))))));
  }

  async function groups() {
    const list = await K.api.get(M + "/groups?page_size=100");
    const ul = K.clear(K.$("#groups"));
    for (const g of list) ul.append(h("li", {}, h("strong", { text: g.name }), " · " + g.visibility + " · " + (g.resourceIds || []).length + " resource(s)"));
    if (!list.length) ul.append(h("li", { class: "muted", text: "No groups." }));
  }

  function plain(html) {
    // Announcements are sanitized HTML; shown here as text (DOMParser runs no script).
    return new DOMParser().parseFromString(html || "", "text/html").body.textContent;
  }

  async function announcements() {
    const list = await K.api.get(M + "/announcements?page_size=100");
    const ul = K.clear(K.$("#announcements"));
    for (const a of list) ul.append(h("li", {}, h("span", { class: a.kind === "PROBLEM" ? "bad" : a.kind === "WARNING" ? "warn" : "ok", text: a.kind }), " ", h("strong", { text: a.title || "" }), " " + plain(a.content), a.active ? "" : " (inactive)"));
    if (!list.length) ul.append(h("li", { class: "muted", text: "No announcements." }));
  }

  async function channels() {
    const list = await K.api.get(M + "/channels?page_size=100");
    const ul = K.clear(K.$("#channels"));
    for (const c of list) {
      const test = h("button", { type: "button", text: "Send a test", "aria-label": "Send a test through " + c.name });
      test.addEventListener("click", async () => {
        try {
          await K.track(await K.api.post(M + "/channels/" + c.id + "/test"), K.$("#channel-progress"));
        } catch (err) {
          K.showError(err);
        }
      });
      ul.append(h("li", { "data-channel-id": c.id }, h("strong", { text: c.name }), " · " + c.type + " · ",
        h("code", { text: c.url || c.to || "" }), c.enabled ? "" : " (disabled)", " ", test));
    }
    if (!list.length) ul.append(h("li", { class: "muted", text: "No channels: status changes are not sent anywhere." }));
  }

  async function rules() {
    const list = await K.api.get(M + "/discovery/rules?page_size=100");
    const tbody = K.clear(K.$("#rules tbody"));
    for (const r of list) {
      const run = h("button", { type: "button", text: "Run now", "aria-label": "Run " + r.name + " now" });
      run.addEventListener("click", async () => {
        try {
          await K.track(await K.api.post(M + "/discovery/rules/" + r.id + "/run"), K.$("#rule-progress"));
          await Promise.all([rules(), resources()]);
        } catch (err) {
          K.showError(err);
        }
      });
      const last = r.lastRunAt
        ? h("span", {}, h("span", { class: r.lastStatus === "ok" ? "ok" : "bad", text: r.lastStatus }), " " + K.when(r.lastRunAt) + ": " + (r.lastMessage || ""))
        : h("span", { class: "muted", text: "not run yet" + (r.enabled ? "" : " (disabled)") });
      tbody.append(h("tr", { "data-rule-id": r.id }, h("td", { text: r.name }), h("td", {}, h("code", { text: r.namespace })),
        h("td", { text: r.recursive ? "every tag" : "latest" }),
        h("td", { text: r.activeMonitors + " active" + (r.inactiveMonitors ? ", " + r.inactiveMonitors + " inactive" : "") }),
        h("td", {}, last), h("td", { class: "actions" }, run)));
    }
    if (!list.length) tbody.append(h("tr", {}, h("td", { colspan: "6", class: "muted", text: "No discovery rules." })));
  }

  K.start(async () => {
    const org = await K.api.get(M + "/org");
    K.$("#status-link").append("Public status page: ", h("a", { href: org.statusPage, text: location.origin + org.statusPage }));
    K.onSubmit(K.$("#resource-form"), async (form) => {
      const body = K.formData(form);
      if (body.interval) body.interval = Number(body.interval);
      await K.api.post(M + "/resources", body);
      form.reset();
      await resources();
    });
    K.onSubmit(K.$("#ann-form"), async (form) => {
      const body = K.formData(form);
      await K.api.post(M + "/announcements", body);
      form.reset();
      await announcements();
    });
    K.onSubmit(K.$("#channel-form"), async (form) => {
      const body = K.formData(form);
      body[body.type === "email" ? "to" : "url"] = body.address;
      delete body.address;
      await K.api.post(M + "/channels", body);
      form.reset();
      await channels();
    });
    K.onSubmit(K.$("#rule-form"), async (form) => {
      const body = K.formData(form);
      body.recursive = body.recursive === "true";
      await K.api.post(M + "/discovery/rules", body);
      form.reset();
      await rules();
    });
    // Channels and rules are the admins'; a member sees the rest of the page.
    const adminOnly = (load, box, wrap) => load().catch((err) => {
      if (err.status !== 403) throw err;
      K.clear(K.$(box)).append(wrap(h(box === "#channels" ? "li" : "td", { colspan: "6", class: "muted", text: "Admins only." })));
    });
    await Promise.all([resources(), groups(), announcements(),
      adminOnly(channels, "#channels", (el) => el), adminOnly(rules, "#rules tbody", (el) => h("tr", {}, el))]);
  });
})();
