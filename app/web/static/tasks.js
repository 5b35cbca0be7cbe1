/* Tasks: the org's tasks, newest first, kept live by the feed (`subscribe all`). */
"use strict";

(function () {
  const K = window.Kairos;
  const rows = new Map();
  let nextPage = 2;

  function filters() {
    return { kind: K.$("#f-kind").value, state: K.$("#f-state").value };
  }

  function matches(task) {
    const f = filters();
    return (!f.kind || task.kind === f.kind) && (!f.state || task.state === f.state);
  }

  function row(task) {
    const progress = K.h("progress", {
      max: "100",
      value: String(task.progress || 0),
      "aria-label": "Progress of " + task.kind,
    });
    const tr = K.h(
      "tr",
      { "data-task-id": task.id },
      K.h("td", {}, K.h("a", { href: "/tasks/" + task.id, text: task.kind })),
      K.h("td", { class: "c-state" }, K.stateBadge(task.state)),
      K.h("td", {}, progress, " ", K.h("span", { class: "c-pct", text: (task.progress || 0) + " %" })),
      K.h("td", { class: "c-stage", text: stageText(task.stage, task.message) }),
      K.h("td", { text: K.when(task.created_at) })
    );
    return tr;
  }

  function stageText(stage, message) {
    return [stage, message].filter(Boolean).join(": ") || "—";
  }

  function put(task, atTop) {
    const tbody = K.$("#tasks tbody");
    const tr = row(task);
    const old = rows.get(task.id);
    if (old) old.replaceWith(tr);
    else if (atTop) tbody.prepend(tr);
    else tbody.append(tr);
    rows.set(task.id, tr);
    K.$("#empty").hidden = true;
  }

  function update(event) {
    const tr = rows.get(event.task_id);
    if (!tr) return false;
    const badge = tr.querySelector(".c-state");
    if (event.type === "progress") {
      if (event.percent !== undefined) {
        tr.querySelector("progress").value = event.percent;
        tr.querySelector(".c-pct").textContent = event.percent + " %";
      }
      tr.querySelector(".c-stage").textContent = stageText(event.stage, event.message);
      if (event.stage === "running" || badge.textContent === "queued") {
        K.clear(badge).append(K.stateBadge("running"));
      }
    } else if (event.type === "complete") {
      K.clear(badge).append(K.stateBadge("succeeded"));
      tr.querySelector("progress").value = 100;
      tr.querySelector(".c-pct").textContent = "100 %";
      K.announce(event.kind + " succeeded");
    } else if (event.type === "error") {
      const state = event.code === "CANCELLED" ? "cancelled" : "failed";
      K.clear(badge).append(K.stateBadge(state));
      tr.querySelector(".c-stage").textContent = stageText(event.code, event.message);
      K.announce(event.kind + " " + state);
    }
    return true;
  }

  const pending = new Map(); // task id → events that came while its row was being read

  async function onEvent(event) {
    if (!event.task_id || !event.id) return; // events only, not acks
    if (update(event)) return;
    if (pending.has(event.task_id)) return pending.get(event.task_id).push(event);
    // A task we have not listed yet (new, or started elsewhere): read it once.
    pending.set(event.task_id, [event]);
    try {
      const task = await K.api.get("/api/v1/tasks/" + event.task_id);
      if (!rows.has(task.id) && matches(task)) put(task, true);
    } catch (_e) {
      // Gone or not ours: nothing to show.
    } finally {
      const tr = rows.get(event.task_id);
      for (const e of pending.get(event.task_id) || []) {
        // Only what is newer than the row just read: never move a bar backwards.
        const shown = tr ? Number(tr.querySelector("progress").value) : 0;
        if (e.type !== "progress" || (e.percent ?? 0) >= shown) update(e);
      }
      pending.delete(event.task_id);
    }
  }

  async function load(page) {
    const f = filters();
    const envelope = await K.api.page("/api/v1/tasks" + K.query({ ...f, page, page_size: 50 }));
    for (const task of envelope.data) put(task, false);
    const meta = envelope.meta || {};
    const more = meta.total !== undefined && page * 50 < meta.total;
    K.$("#more").hidden = !more;
    nextPage = page + 1;
    K.$("#empty").hidden = rows.size > 0;
  }

  async function reload() {
    rows.clear();
    K.clear(K.$("#tasks tbody"));
    await load(1);
  }

  K.start(async () => {
    const kinds = await K.api.get("/api/v1/task-kinds");
    const select = K.$("#f-kind");
    for (const kind of kinds) select.append(K.h("option", { value: kind.name, text: kind.name }));
    const params = new URLSearchParams(location.search);
    select.value = params.get("kind") || "";
    K.$("#f-state").value = params.get("state") || "";
    K.$("#filters").addEventListener("change", () => {
      history.replaceState(null, "", location.pathname + K.query(filters()));
      reload().catch(K.showError);
    });
    K.$("#filters").addEventListener("submit", (e) => e.preventDefault());
    K.$("#more").addEventListener("click", () => load(nextPage).catch(K.showError));
    await reload();
    const feed = new K.Feed(onEvent);
    // Tasks that began or ended while we were away are read again from the list.
    feed.onReconnect = () => reload().catch(K.showError);
    feed.all = true;
    feed.connect();
  });
})();
