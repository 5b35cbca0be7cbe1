/* Admin: members and invitations, API keys (shown once), CORS origins, runtime config. */
"use strict";

(function () {
  const K = window.Kairos;
  const h = K.h;
  const ROLES = ["viewer", "member", "admin", "owner"];

  function guard(section, fn) {
    return fn().catch((err) => {
      const card = K.$(section).closest("section");
      if (err.status === 403) card.append(h("p", { class: "muted", text: "Not available: " + err.message }));
      else K.showError(err);
    });
  }

  async function members(me) {
    const list = await K.api.get("/api/v1/members?page_size=100");
    const tbody = K.clear(K.$("#members tbody"));
    for (const m of list) {
      const role = h("select", { "aria-label": "Role of " + m.email },
        ROLES.map((r) => h("option", { value: r, text: r, selected: r === m.role })));
      role.addEventListener("change", async () => {
        try {
          await K.api.patch("/api/v1/members/" + m.user_id, { role: role.value });
          K.announce(m.email + " is now " + role.value);
        } catch (err) {
          role.value = m.role;
          K.showError(err);
        }
      });
      const remove = h("button", { type: "button", class: "danger", text: "Remove", "aria-label": "Remove " + m.email });
      remove.addEventListener("click", async () => {
        if (!confirm("Remove " + m.email + " from the organization?")) return;
        try {
          await K.api.del("/api/v1/members/" + m.user_id);
          await members(me);
        } catch (err) {
          K.showError(err);
        }
      });
      const self = m.user_id === me.id;
      tbody.append(h("tr", {}, h("td", { text: m.email }), h("td", { text: m.name || "—" }),
        h("td", {}, self ? m.role : role), h("td", { text: K.when(m.joined_at) }), h("td", {}, self ? "you" : remove)));
    }
  }

  async function invitations() {
    const list = await K.api.get("/api/v1/members/invitations?page_size=100");
    const tbody = K.clear(K.$("#invitations tbody"));
    for (const inv of list) {
      const state = inv.accepted_at ? "accepted" : inv.revoked_at ? "revoked" : "pending";
      const revoke = h("button", { type: "button", text: "Revoke", "aria-label": "Revoke invitation of " + inv.email });
      revoke.addEventListener("click", async () => {
        try {
          await K.api.del("/api/v1/members/invitations/" + inv.id);
          await invitations();
        } catch (err) {
          K.showError(err);
        }
      });
      tbody.append(h("tr", {}, h("td", { text: inv.email }), h("td", { text: inv.role }),
        h("td", { text: K.when(inv.expires_at) }), h("td", { text: state }), h("td", {}, state === "pending" ? revoke : "")));
    }
  }

  async function keys() {
    const list = await K.api.get("/api/v1/api-keys");
    const tbody = K.clear(K.$("#keys tbody"));
    for (const key of list) {
      const revoke = h("button", { type: "button", class: "danger", text: "Revoke", "aria-label": "Revoke key " + key.name });
      revoke.addEventListener("click", async () => {
        try {
          await K.api.del("/api/v1/api-keys/" + key.id);
          await keys();
        } catch (err) {
          K.showError(err);
        }
      });
      tbody.append(h("tr", {}, h("td", { text: key.name }), h("td", {}, h("code", { text: key.prefix })),
        h("td", { text: key.role }), h("td", { text: (key.scopes || []).join(", ") || "—" }),
        h("td", { text: K.when(key.last_used_at) }), h("td", {}, key.revoked_at ? "revoked" : revoke)));
    }
  }

  async function origins() {
    const list = await K.api.get("/api/v1/admin/cors-origins");
    const ul = K.clear(K.$("#origins"));
    for (const o of list) {
      const remove = h("button", { type: "button", text: "Remove", "aria-label": "Remove origin " + o.origin });
      remove.addEventListener("click", async () => {
        try {
          await K.api.del("/api/v1/admin/cors-origins/" + o.id);
          await origins();
        } catch (err) {
          K.showError(err);
        }
      });
      ul.append(h("li", {}, h("code", { text: o.origin }), " ", remove));
    }
    if (!list.length) ul.append(h("li", { class: "muted", text: "No origins allowed besides the configured ones." }));
  }

  async function config() {
    const cfg = await K.api.get("/api/v1/config");
    const form = K.clear(K.$("#config-form"));
    for (const key of cfg.runtime_keys) {
      const secret = key in cfg.secrets;
      const current = secret ? (cfg.secrets[key] ? "(set)" : "(not set)") : cfg.settings[key];
      const overridden = key in (cfg.overrides || {});
      const input = h("input", { id: "cfg-" + key, name: key, type: secret ? "password" : "text",
        placeholder: String(current ?? ""), autocomplete: "off", maxlength: "500" });
      const reset = overridden ? h("button", { type: "button", text: "reset", "aria-label": "Reset " + key }) : null;
      if (reset) {
        reset.addEventListener("click", async () => {
          try {
            await K.api.patch("/api/v1/config", { [key]: null });
            await config();
            K.announce(key + " reset");
          } catch (err) {
            K.showError(err);
          }
        });
      }
      form.append(h("div", { class: "field" }, h("label", { for: "cfg-" + key, text: key + (overridden ? " (changed at runtime)" : "") }), input, reset));
    }
    form.append(h("button", { type: "submit", class: "primary", text: "Save changes" }), h("p", { class: "muted", text: "Version " + cfg.version }));
    // Built when opened: a closed <details> still lays out its content in Chromium, and
    // long setting names would widen a phone's page.
    const all = K.$("#config-all");
    K.clear(all);
    const details = all.closest("details");
    const fill = () => {
      if (details.open && !all.firstChild) all.append(K.view(cfg.settings));
    };
    details.addEventListener("toggle", fill);
    fill();
  }

  function bind(formId, fn) {
    K.$(formId).addEventListener("submit", async (event) => {
      event.preventDefault();
      K.clearError();
      try {
        await fn(event.target);
      } catch (err) {
        K.showError(err);
      }
    });
  }

  K.start(async (me) => {
    bind("#invite-form", async (form) => {
      await K.api.post("/api/v1/members/invitations", K.formData(form));
      form.reset();
      K.announce("Invitation sent");
      await invitations();
    });
    bind("#key-form", async (form) => {
      const body = { name: form.name.value, role: form.role.value,
        scopes: [...form.querySelectorAll("[name=scopes]:checked")].map((c) => c.value) };
      const created = await K.api.post("/api/v1/api-keys", body);
      form.reset();
      K.clear(K.$("#new-key")).append(h("p", { text: "Copy this key now; it is not shown again:" }),
        h("p", { class: "secret", id: "new-key-value", text: created.key }));
      await keys();
    });
    bind("#cors-form", async (form) => {
      await K.api.post("/api/v1/admin/cors-origins", { origin: form.origin.value.trim() });
      form.reset();
      await origins();
    });
    bind("#config-form", async (form) => {
      const body = {};
      const cfg = await K.api.get("/api/v1/config");
      for (const input of form.querySelectorAll("input")) {
        const raw = input.value.trim();
        if (raw === "") continue;
        const current = cfg.settings[input.name];
        body[input.name] = typeof current === "number" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      }
      if (!Object.keys(body).length) throw new Error("Nothing to change");
      await K.api.patch("/api/v1/config", body);
      await config();
      K.announce("Configuration saved");
    });
    await Promise.all([
      guard("#members", () => members(me)),
      guard("#members", invitations),
      guard("#h-keys", keys),
      guard("#h-cors", origins),
      guard("#h-config", config),
    ]);
  });
})();
