/* Recruiting: a job's pipeline board (drag, or a menu per card) and matching with reasons. */
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

  K.start(async () => {
    const jobs = await K.api.get(R + "/jobs?page_size=100");
    const select = K.$("#r-job");
    for (const job of jobs) select.append(h("option", { value: String(job.id), text: job.title + (job.location ? " · " + job.location : "") }));
    if (!jobs.length) {
      K.$("#pipeline").append(h("p", { class: "muted", text: "No jobs yet: create one with POST /api/v1/recruiting/jobs or the agent." }));
      K.$("#match").disabled = true;
      return;
    }
    const wanted = new URLSearchParams(location.search).get("job");
    if (wanted) select.value = wanted;
    select.addEventListener("change", () => pipeline(select.value).catch(K.showError));
    K.$("#match").addEventListener("click", () => match(select.value).catch(K.showError));
    await pipeline(select.value);
  });
})();
