/* Recruiting: a job's pipeline board (drag, or a menu per card), matching with reasons, the
 * org's candidates, and seed 001's agent sidebar: the chat (the reply streams in as `token`
 * events) and résumé / job req uploads, whose new records appear in the lists. */
"use strict";

(function () {
  const K = window.Kairos;
  const h = K.h;
  const R = "/api/v1/recruiting";
  const STAGES = ["sourced", "screening", "interviewing", "offer", "hired", "rejected", "withdrawn"];
  const names = new Map();

  async function pipeline(jobId) {
    const apps = await K.api.get(R + "/applications" + K.query({ job_id: jobId, page_size: 100 }));
    for (const a of apps) {
      if (!names.has(a.candidate_id)) {
        try {
          names.set(a.candidate_id, (await K.api.get(R + "/candidates/" + a.candidate_id)).full_name);
        } catch (_e) {
          names.set(a.candidate_id, "candidate " + a.candidate_id);
        }
      }
    }
    window.KairosBoard(K.$("#pipeline"), STAGES, apps, {
      title: (a) => names.get(a.candidate_id) || "candidate " + a.candidate_id,
      render: (a) => h("span", {}, h("strong", { text: names.get(a.candidate_id) || "candidate " + a.candidate_id }),
        a.fit_score !== null && a.fit_score !== undefined ? " · fit " + a.fit_score : ""),
      move: (a, status) => K.api.patch(R + "/applications/" + a.id, { status }),
    });
  }

  async function match(jobId) {
    const task = await K.api.post(R + "/matching/candidates_for_job", { job_id: Number(jobId), limit: 20 });
    const done = await K.track(task, K.$("#match-progress"));
    const tbody = K.clear(K.$("#matches tbody"));
    if (done.state !== "succeeded") return;
    for (const m of done.result.matches || []) {
      tbody.append(h("tr", {}, h("td", { text: String(m.score) }),
        h("td", { text: m.full_name || "candidate " + m.candidate_id }),
        h("td", { text: m.reason || "—" }),
        h("td", { text: (m.matched_skills || []).join(", ") || "—" }),
        h("td", { text: (m.missing_skills || []).join(", ") || "—" })));
    }
    if (!(done.result.matches || []).length) tbody.append(h("tr", {}, h("td", { colspan: "5", class: "muted", text: "No candidates match." })));
  }

  const fresh = new Set(); // candidates the agent created on this visit
  let conversation = null;

  async function candidates() {
    const list = await K.api.get(R + "/candidates?page_size=100");
    const tbody = K.clear(K.$("#candidates tbody"));
    for (const c of list) {
      tbody.append(h("tr", { "data-candidate-id": String(c.id), class: fresh.has(c.id) ? "new" : "" },
        h("td", { text: String(c.id) }),
        h("td", {}, h("strong", { text: c.full_name }), fresh.has(c.id) ? h("span", { class: "ok", text: " new" }) : null),
        h("td", { text: [c.current_title, c.current_company].filter(Boolean).join(" @ ") || c.headline || "—" }),
        h("td", { text: c.location || "—" }),
        h("td", { text: c.experience_years === null || c.experience_years === undefined ? "—" : String(c.experience_years) }),
        h("td", { text: K.when(c.created_at) })));
    }
    if (!list.length) tbody.append(h("tr", {}, h("td", { colspan: "6", class: "muted", text: "No candidates yet: upload a résumé to the agent." })));
  }

  function say(who, text) {
    const li = h("li", { class: who, text: text });
    K.$("#agent-log").append(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }

  async function ask(form) {
    const message = form.message.value.trim();
    say("you", message);
    form.reset();
    const task = await K.api.post(R + "/agent/chat", conversation ? { message, conversation_id: conversation } : { message });
    const reply = say("agent", "…");
    reply.setAttribute("aria-busy", "true"); // while the reply streams in
    let streamed = "";
    const done = await K.track(task, K.$("#agent-progress"), (event) => {
      if (event.type === "token") reply.textContent = streamed += event.delta || "";
    });
    reply.removeAttribute("aria-busy");
    if (done.state !== "succeeded") {
      reply.textContent = "The agent failed: " + (done.error ? done.error.message : done.state);
      return;
    }
    conversation = done.result.conversation_id;
    reply.textContent = done.result.reply;
  }

  async function upload(form) {
    const kind = form.kind.value;
    const file = form.file.files[0];
    const body = new FormData();
    body.append(kind, file, file.name);
    if (form.notes.value.trim()) body.append("notes", form.notes.value.trim());
    say("you", "Uploaded " + file.name);
    const path = kind === "resume" ? "/agent/candidates/from_resume" : "/agent/jobs/from_req";
    const done = await K.track(await K.api.post(R + path, body), K.$("#agent-progress"));
    form.reset();
    if (done.state !== "succeeded") {
      say("agent", "I could not read " + file.name + ": " + (done.error ? done.error.code + " " + done.error.message : done.state));
      return;
    }
    say("agent", done.result.summary);
    if (done.result.candidate) {
      fresh.add(done.result.candidate.id);
      await candidates();
    } else if (done.result.job) {
      const select = K.$("#r-job");
      select.append(h("option", { value: String(done.result.job.id), text: done.result.job.title }));
      K.$("#match").disabled = false;
    }
  }

  K.start(async () => {
    K.onSubmit(K.$("#agent-form"), ask);
    K.onSubmit(K.$("#upload-form"), upload);
    say("agent", "Ask me to \"list jobs\", \"match candidates for job 5\", \"summarize candidate 3\", or upload a résumé.");
    await candidates();
    const jobs = await K.api.get(R + "/jobs?page_size=100");
    const select = K.$("#r-job");
    for (const job of jobs) select.append(h("option", { value: String(job.id), text: job.title + (job.location ? " · " + job.location : "") }));
    select.addEventListener("change", () => pipeline(select.value).catch(K.showError));
    K.$("#match").addEventListener("click", () => match(select.value).catch(K.showError));
    if (!jobs.length) {
      K.$("#pipeline").append(h("p", { class: "muted", text: "No jobs yet: upload a job req to the agent, or ask it to create one." }));
      K.$("#match").disabled = true;
      return;
    }
    const wanted = new URLSearchParams(location.search).get("job");
    if (wanted) select.value = wanted;
    await pipeline(select.value);
  });
})();
