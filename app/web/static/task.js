/* One task: its facts, a live progress bar, the event log, the result; cancel and retry. */
"use strict";

(function () {
  const K = window.Kairos;
  let task = null;

  function render(t) {
    task = t;
    K.$("#task-kind").textContent = t.kind;
    K.clear(K.$("#task-state")).append(K.stateBadge(t.state));
    setProgress(t.progress || 0);
    K.$("#task-stage").textContent = [t.stage, t.message].filter(Boolean).join(": ") || "—";
    K.$("#task-queue").textContent = t.queue;
    K.$("#task-created").textContent = K.when(t.created_at);
    const retried = K.clear(K.$("#task-retried"));
    if (t.retried_from) retried.append(K.h("a", { href: "/tasks/" + t.retried_from, text: t.retried_from }));
    else retried.append("—");
    K.$("#task-params").textContent = JSON.stringify(t.params, null, 2);
    const finished = K.FINISHED.includes(t.state);
    K.$("#cancel").hidden = finished;
    K.$("#retry").hidden = !(t.state === "failed" || t.state === "cancelled");
    const result = K.clear(K.$("#task-result"));
    if (t.state === "succeeded") result.append(K.view(t.result), K.h("details", {}, K.h("summary", { text: "JSON" }), K.json(t.result)));
    else if (t.error) result.append(K.h("p", { class: "bad", text: t.error.code + ": " + t.error.message }));
    else result.append(K.h("p", { class: "muted", text: "Not finished yet." }));
  }

  function setProgress(percent) {
    K.$("#task-progress").value = percent;
    K.$("#task-percent").textContent = percent + " %";
  }

  function logLine(event) {
    const parts = [K.h("span", { class: "etype", text: event.type }), " "];
    if (event.type === "progress") parts.push((event.percent ?? "") + " % " + [event.stage, event.message].filter(Boolean).join(": "));
    else if (event.type === "token") parts.push(event.delta || "");
    else if (event.type === "error") parts.push(event.code + ": " + event.message);
    else if (event.type === "complete") parts.push("finished");
    const time = event.ts ? new Date(event.ts).toLocaleTimeString() : "";
    return K.h("li", { "data-event-id": event.id }, K.h("time", { datetime: event.ts || "", text: time }), " ", parts);
  }

  async function onEvent(event) {
    if (!task || !event.id || event.task_id !== task.id) return; // events, not acks
    K.$("#events").append(logLine(event));
    if (event.type === "progress") {
      if (event.percent !== undefined) setProgress(event.percent);
      K.$("#task-stage").textContent = [event.stage, event.message].filter(Boolean).join(": ");
      if (task.state === "queued") K.clear(K.$("#task-state")).append(K.stateBadge("running"));
    } else if (K.TERMINAL.includes(event.type)) {
      // The row is the truth: read the final state and result from it.
      render(await K.api.get("/api/v1/tasks/" + task.id));
      K.announce(task.kind + " " + task.state);
    }
  }

  K.start(async () => {
    const id = K.$("#task").dataset.taskId;
    try {
      render(await K.api.get("/api/v1/tasks/" + encodeURIComponent(id)));
    } catch (err) {
      K.$("#task-kind").textContent = err.status === 404 ? "Task not found" : "Cannot show this task";
      throw err;
    }
    K.$("#cancel").addEventListener("click", async () => {
      try {
        render(await K.api.del("/api/v1/tasks/" + task.id));
        K.announce("Task cancelled");
      } catch (err) {
        K.showError(err);
      }
    });
    K.$("#retry").addEventListener("click", async () => {
      try {
        const again = await K.api.post("/api/v1/tasks/" + task.id + "/retry");
        location.assign("/tasks/" + again.id);
      } catch (err) {
        K.showError(err);
      }
    });
    const feed = new K.Feed(onEvent);
    feed.tasks.add(task.id); // replays its history first, then live events
    feed.connect();
  });
})();
