/* Careers: search boards (live), jobs with their analysis, resumes with tailored diffs,
 * the applications board. */
"use strict";

(function () {
  const K = window.Kairos;
  const h = K.h;
  const C = "/api/v1/careers";
  const STATUSES = ["saved", "applied", "screening", "interviewing", "offer", "accepted", "rejected", "withdrawn"];
  let jobs = [];

  function sources(text) {
    return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
      const [platform, board] = s.split(":");
      return board ? { platform, board } : { platform };
    });
  }

  async function loadJobs() {
    const f = K.formData(K.$("#jobs-filter"));
    jobs = await K.api.get(C + "/jobs" + K.query({ ...f, page_size: 100 }));
    const tbody = K.clear(K.$("#jobs tbody"));
    for (const job of jobs) {
      const analyze = h("button", { type: "button", text: "Analyze", "aria-label": "Analyze " + job.title });
      analyze.addEventListener("click", () => runAnalysis(job).catch(K.showError));
      const show = h("button", { type: "button", text: "Analysis", "aria-label": "Show the analysis of " + job.title });
      show.addEventListener("click", () => showAnalysis(job).catch(K.showError));
      const title = job.apply_url ? h("a", { href: job.apply_url, rel: "noopener noreferrer", target: "_blank", text: job.title }) : job.title;
      tbody.append(h("tr", { "data-job-id": job.id }, h("td", {}, title), h("td", { text: job.company || "—" }),
        h("td", { text: (job.location || "—") + (job.remote ? " · remote" : "") }), h("td", { text: job.source }),
        h("td", { class: "actions" }, analyze, show)));
    }
    if (!jobs.length) tbody.append(h("tr", {}, h("td", { colspan: "5", class: "muted", text: "No jobs yet: search the boards above." })));
    const select = K.clear(K.$("#t-job"));
    for (const job of jobs) select.append(h("option", { value: job.id, text: job.title + " · " + (job.company || "") }));
  }

  async function runAnalysis(job) {
    const box = K.$("#analysis");
    const task = await K.api.post(C + "/jobs/" + job.id + "/analyze", {});
    const done = await K.track(task, box);
    if (done.state === "succeeded") await showAnalysis(job);
  }

  async function showAnalysis(job) {
    const box = K.clear(K.$("#analysis"));
    let a;
    try {
      a = await K.api.get(C + "/jobs/" + job.id + "/analysis");
    } catch (err) {
      if (err.status === 404) return box.append(h("p", { class: "muted", text: "Not analyzed yet: press Analyze." }));
      throw err;
    }
    const match = a.match || {};
    const list = (items) => (items && items.length ? h("ul", {}, items.map((i) => h("li", { text: typeof i === "string" ? i : JSON.stringify(i) }))) : h("p", { class: "muted", text: "none" }));
    box.append(
      h("h3", { text: "Analysis of " + job.title }),
      h("p", {}, "Match score: ", h("strong", { id: "score", text: K.pct(a.score) }), " (" + a.strategy + ")"),
      h("div", { class: "grid" },
        h("div", {}, h("h4", { text: "Strengths" }), list(match.strengths)),
        h("div", {}, h("h4", { text: "Gaps" }), list(match.gaps))),
      match.strategy ? h("p", {}, h("strong", { text: "Strategy: " }), typeof match.strategy === "string" ? match.strategy : JSON.stringify(match.strategy)) : null,
      h("details", {}, h("summary", { text: "Requirements" }), K.view(a.requirements)));
  }

  async function loadResumes() {
    const resumes = await K.api.get(C + "/resumes?page_size=100");
    const ul = K.clear(K.$("#resumes"));
    const select = K.clear(K.$("#t-resume"));
    for (const r of resumes) {
      const versions = h("button", { type: "button", text: "Tailored versions", "aria-label": "Tailored versions of " + r.title });
      versions.addEventListener("click", () => showTailored(r).catch(K.showError));
      ul.append(h("li", {}, h("strong", { text: r.title }), " (" + r.format + (r.is_primary ? ", primary" : "") + ") ", versions));
      select.append(h("option", { value: r.id, text: r.title }));
    }
    if (!resumes.length) ul.append(h("li", { class: "muted", text: "No resumes: import one with POST /api/v1/careers/resumes/import or the Submit page (careers.import_resume)." }));
  }

  function diffView(unified) {
    const pre = h("pre", { class: "diff", "aria-label": "Unified diff" });
    for (const line of (unified || "").split("\n")) {
      const cls = line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : null;
      pre.append(h("span", { class: cls, text: line + "\n" }));
    }
    return pre;
  }

  async function showTailored(resume, jobId) {
    const box = K.clear(K.$("#tailored"));
    const versions = await K.api.get(C + "/resumes/" + resume.id + "/tailored");
    if (!versions.length) return box.append(h("p", { class: "muted", text: "No tailored versions yet." }));
    const wanted = jobId || versions[0].job_id;
    const detail = await K.api.get(C + "/resumes/" + resume.id + "/tailored/" + wanted);
    box.append(
      h("h3", { text: "Tailored for " + ((jobs.find((j) => j.id === wanted) || {}).title || wanted) + " · version " + detail.version }),
      h("ul", {}, (detail.changes || []).map((c) => h("li", { text: typeof c === "string" ? c : [c.section, c.change || c.kind, c.detail || c.text].filter(Boolean).join(": ") || JSON.stringify(c) }))),
      diffView(detail.diff && detail.diff.unified));
  }

  async function loadApplications() {
    const [apps, stats] = await Promise.all([K.api.get(C + "/applications?page_size=100"), K.api.get(C + "/applications/stats")]);
    K.$("#app-stats").textContent = stats.total + " application(s); response rate " +
      (stats.response_rate === null ? "—" : K.pct(stats.response_rate)) +
      "; median days to first response " + (stats.median_days_to_first_response ?? "—");
    window.KairosBoard(K.$("#board"), STATUSES, apps, {
      title: (a) => a.title + (a.company ? " · " + a.company : ""),
      move: (a, status) => K.api.patch(C + "/applications/" + a.id, { status }),
    });
  }

  K.start(async () => {
    K.onSubmit(K.$("#search-form"), async (form) => {
      const f = K.formData(form);
      const body = { query: f.query || "" };
      if (f.location) body.location = f.location;
      if (f.remote) body.remote = f.remote === "true";
      if (f.sources) body.sources = sources(f.sources);
      const task = await K.api.post(C + "/jobs/search", body);
      const done = await K.track(task, K.$("#search-progress"));
      if (done.state === "succeeded") await loadJobs();
    });
    K.onSubmit(K.$("#jobs-filter"), loadJobs);
    K.onSubmit(K.$("#tailor-form"), async (form) => {
      const f = K.formData(form);
      const task = await K.api.post(C + "/resumes/" + f.resume_id + "/tailor", { job_id: f.job_id });
      const done = await K.track(task, K.$("#tailor-progress"));
      if (done.state === "succeeded") await showTailored({ id: f.resume_id }, f.job_id);
    });
    await Promise.all([loadJobs(), loadResumes(), loadApplications()]);
  });
})();
