/* Dining: the profile, its allergies and preferences, today's feed with its warnings, and the chat,
 * whose thinking steps stream over SSE (a POST, so fetch() and a ReadableStream). */
"use strict";

(function () {
  const K = window.Kairos;
  const h = K.h;
  const D = "/api/v1/dining";
  let uid = null;
  const history = [];

  async function profile() {
    const box = K.clear(K.$("#profile"));
    let p;
    try {
      p = await K.api.get(D + "/users/" + uid);
    } catch (err) {
      if (err.status !== 404) throw err;
      const create = h("button", { type: "button", class: "primary", text: "Create my dining profile" });
      create.addEventListener("click", async () => {
        try {
          await K.api.post(D + "/users/" + uid, {});
          if (await profile()) await feed(false);
        } catch (e) {
          K.showError(e);
        }
      });
      box.append(h("p", { class: "muted", text: "You have no dining profile yet." }), create);
      K.$("#allergy-form").hidden = true;
      K.$("#prefs-form").hidden = true;
      return false;
    }
    const allergies = (p.allergies && p.allergies.details) || [];
    box.append(
      h("h3", { text: "Allergies" }),
      allergies.length
        ? h("ul", { id: "allergies" }, allergies.map((a) => h("li", {}, h("strong", { text: a.name || a.allergen || JSON.stringify(a) }), a.severity ? " · " + a.severity : "")))
        : h("p", { class: "muted", text: "No allergies declared." }),
      h("h3", { text: "Preferences" }), preferences(p.preferences || {}));
    K.$("#allergy-form").hidden = false;
    K.$("#prefs-form").hidden = false;
    return true;
  }

  const LABELS = [["cuisine_affinity", "Likes"], ["cuisine_aversion", "Avoids"], ["dietary", "Diet"],
    ["vibes", "Vibes"], ["price_comfort", "Budget"], ["max_distance_km", "Within (km)"]];

  function preferences(prefs) {
    const known = LABELS.filter(([key]) => prefs[key] !== undefined && prefs[key] !== null);
    const others = Object.keys(prefs).filter((k) => !LABELS.some(([key]) => key === k));
    if (!known.length && !others.length) return h("p", { id: "preferences", class: "muted", text: "No preferences yet." });
    return h("div", {}, h("dl", { id: "preferences", class: "facts" }, known.map(([key, label]) => [
      h("dt", { text: label }), h("dd", { text: Array.isArray(prefs[key]) ? prefs[key].join(", ") : String(prefs[key]) })])),
      others.length ? h("details", {}, h("summary", { text: "Other preferences" }), K.view(Object.fromEntries(others.map((k) => [k, prefs[k]])))) : null);
  }

  function listOf(text) {
    return text.split(",").map((v) => v.trim()).filter(Boolean);
  }

  function feedItem(r) {
    const status = r.allergy_status || (r.allergy_safe ? "safe" : "unknown");
    const cls = status === "safe" ? "ok" : status === "warning" ? "warn" : "bad";
    return h("li", { class: "card" },
      h("strong", { text: r.name }), " · fit " + r.fit_score + (r.area ? " · " + r.area : ""),
      h("div", {}, h("span", { class: cls, text: "allergens: " + status + (r.allergen_confidence ? " (" + r.allergen_confidence + " confidence)" : "") })),
      r.allergy_warning ? h("p", { class: "warn", role: "note", text: "⚠ " + r.allergy_warning }) : null,
      (r.fit_tags || []).length ? h("p", { class: "muted", text: r.fit_tags.join(" · ") }) : null);
  }

  async function feed(refresh) {
    const ul = K.clear(K.$("#feed"));
    const path = D + "/recommendations/" + uid;
    let answer = await K.api.get(path + (refresh ? "?refresh=true" : ""));
    if (!answer.restaurants) {
      const done = await K.track(answer, K.$("#feed-progress"));
      if (done.state !== "succeeded") return;
      answer = await K.api.get(path);
    }
    for (const r of answer.restaurants) ul.append(feedItem(r));
    if (!answer.restaurants.length) ul.append(h("li", { class: "muted", text: "Nothing to recommend today." }));
  }

  /* Read `event:`/`data:` frames from a fetch() body as they arrive. */
  async function* sse(resp) {
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message";
        const data = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
      }
    }
  }

  async function chat(form) {
    const message = form.message.value.trim();
    const steps = K.clear(K.$("#thinking"));
    const answer = K.clear(K.$("#answer"));
    const text = h("p", {});
    answer.append(text);
    const resp = await K.api.request("POST", D + "/chat", { message, conversation_history: history.slice(-6) },
      { raw: true, headers: { Accept: "text/event-stream", "X-User-ID": uid } });
    for await (const frame of sse(resp)) {
      const body = frame.data && frame.data.data !== undefined ? frame.data.data : frame.data;
      if (frame.name === "thinking") {
        steps.append(h("li", { class: "done", text: body.step + (body.message ? ": " + body.message : "") }));
      } else if (frame.name === "token") {
        text.append(body.delta || "");
      } else if (frame.name === "result") {
        answer.append(renderResult(body));
        history.push({ role: "user", content: message }, { role: "assistant", content: (body && (body.message || body.summary)) || "" });
        K.announce("Answer ready");
      } else if (frame.name === "error") {
        throw new K.ApiError(502, { code: body.code, message: body.message });
      }
    }
  }

  function renderResult(result) {
    if (!result || typeof result !== "object") return K.view(result);
    const items = result.restaurants || result.recommendations || result.items;
    return h("div", {},
      result.message || result.summary ? h("p", { text: result.message || result.summary }) : null,
      Array.isArray(items) ? h("ul", { class: "plain" }, items.map(feedItem)) : null,
      h("details", {}, h("summary", { text: "Whole answer" }), K.json(result)));
  }

  K.start(async (me) => {
    uid = me.id;
    K.onSubmit(K.$("#allergy-form"), async (form) => {
      const name = form.allergen.value.trim();
      await K.api.patch(D + "/users/" + uid + "/allergies", { confirmed: [name], severity: { [name]: form.severity.value } });
      form.reset();
      await profile();
      await feed(false); // served through the guard again, with the new allergy
    });
    K.onSubmit(K.$("#prefs-form"), async (form) => {
      const body = {};
      for (const key of ["cuisine_affinity", "cuisine_aversion", "dietary", "vibes"]) {
        const values = listOf(form[key].value);
        if (values.length) body[key] = values;
      }
      if (form.price_comfort.value) body.price_comfort = [form.price_comfort.value];
      if (!Object.keys(body).length) return;
      await K.api.patch(D + "/users/" + uid + "/preferences", body);
      form.reset();
      await profile();
      await feed(false); // a change drops the cached feed: this builds it with the new taste
    });
    K.onSubmit(K.$("#chat-form"), chat);
    K.$("#refresh-feed").addEventListener("click", () => feed(true).catch(K.showError));
    if (await profile()) await feed(false);
  });
})();
