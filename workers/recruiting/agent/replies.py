"""The agent's replies, in the seed's wording and shape: a lead line, a blank line, one
``- `` line per record, then "You can now say things like:" with two suggestions."""

from __future__ import annotations


def _suggest(*examples: str) -> str:
    lines = "\n".join(f"- {example}" for example in examples)
    return f"\n\nYou can now say things like:\n{lines}"


def _at(title: str | None, company: str | None) -> str:
    if title and company:
        return f" ({title} @ {company})"
    if title or company:
        return f" ({title or company})"
    return ""


def job_line(job) -> str:
    where = f" ({job.location})" if job.location else ""
    return f"- Job #{job.id}: {job.title}{where}, status={job.status}"


def candidate_line(c) -> str:
    where = f", {c.location}" if c.location else ""
    return f"- Candidate #{c.id}: {c.full_name}{_at(c.current_title, c.current_company)}{where}"


def jobs_list(jobs, total: int, status: str | None) -> str:
    what = f"{status.replace('_', ' ')} jobs" if status else "jobs"
    if not jobs:
        return f"You have no {what} yet." + _suggest(
            "'create a new job for a senior backend engineer in NYC'"
        )
    more = f" (showing {len(jobs)} of {total})" if total > len(jobs) else ""
    body = "\n".join(job_line(j) for j in jobs)
    first = jobs[0].id
    return f"Here are your {what}{more}:\n\n{body}" + _suggest(
        f"'match candidates for job {first}'", f"'applications for job {first}'"
    )


def candidates_list(candidates, total: int) -> str:
    if not candidates:
        return "You have no candidates yet. Upload a resume to add one."
    more = f" (showing {len(candidates)} of {total})" if total > len(candidates) else ""
    body = "\n".join(candidate_line(c) for c in candidates)
    first = candidates[0].id
    return f"Here are your candidates{more}:\n\n{body}" + _suggest(
        f"'summarize candidate {first}'", f"'match jobs for candidate {first}'"
    )


def candidate_summary(c, applications: list[tuple]) -> str:
    lines = [f"Candidate #{c.id}: {c.full_name}"]
    for label, value in (
        ("Headline", c.headline),
        ("Current title", c.current_title),
        ("Current company", c.current_company),
        ("Location", c.location),
        ("Experience", f"{c.experience_years} years" if c.experience_years is not None else None),
        ("E-mail", c.email),
        ("Skills", ", ".join(c.skills or ()) or None),
        ("LinkedIn", c.linkedin_url),
        ("GitHub", c.github_url),
        ("Website", c.website_url),
    ):
        if value:
            lines.append(f"- {label}: {value}")
    if applications:
        apps = "; ".join(
            f"job #{job_id} {title} ({status})" for job_id, title, status in applications
        )
        lines.append(f"- Applications: {apps}")
    else:
        lines.append("- Applications: none yet")
    return "\n".join(lines) + _suggest(
        f"'match jobs for candidate {c.id}'", "'list candidates' to see everyone."
    )


def job_summary(job, counts: dict) -> str:
    lines = [f"Job #{job.id}: {job.title}"]
    lines += _job_fields(job)
    if counts:
        lines.append("- Pipeline: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "\n".join(lines) + _suggest(
        f"'match candidates for job {job.id}'", f"'applications for job {job.id}'"
    )


def _job_fields(job) -> list[str]:
    lines = []
    salary = None
    if job.salary_min is not None or job.salary_max is not None:
        low = job.salary_min if job.salary_min is not None else "?"
        high = job.salary_max if job.salary_max is not None else "?"
        salary = f"{low}–{high} {job.currency or ''}".strip()
    for label, value in (
        ("Department", job.department),
        ("Location", job.location),
        ("Employment type", job.employment_type),
        ("Remote option", job.remote_option),
        ("Salary range", salary),
        ("Required skills", ", ".join(job.required_skills or ()) or None),
        ("Nice-to-have skills", ", ".join(job.nice_to_have_skills or ()) or None),
        ("Status", job.status),
    ):
        if value:
            lines.append(f"- {label}: {value}")
    return lines


def job_created(job, source: str) -> str:
    """The seed's summary for a job created from a prompt or an uploaded file."""
    lines = [f"- Job #{job.id}: {job.title}"]
    lines += [line for line in _job_fields(job) if not line.startswith(("- Status", "- Dep"))]
    return (
        f"I've created a new job from {source}:\n\n"
        + "\n".join(lines)
        + _suggest(
            f"'match candidates for job {job.id}'", "'list jobs' to see it among your openings."
        )
    )


def candidate_created(c, duplicates: list[int]) -> str:
    """The seed's one-line summary, plus possible duplicates when there are any."""
    parts = [f"Created candidate #{c.id}: {c.full_name}."]
    for label, value in (
        ("Current title", c.current_title),
        ("Current company", c.current_company),
        ("Location", c.location),
        ("Headline", c.headline),
    ):
        if value:
            parts.append(f"{label}: {value}.")
    text = " ".join(parts)
    if duplicates:
        ids = ", ".join(f"#{i}" for i in duplicates)
        text += f" Possible duplicates of existing candidates: {ids} (not merged; please review)."
    return text


def candidate_matches(job_id: int, matches: list[dict]) -> str:
    if not matches:
        return f"I found no candidates to match against job #{job_id} yet."
    body = "\n".join(
        f"- Candidate #{m['candidate_id']}: {m.get('full_name')}"
        f"{_at(m.get('current_title'), m.get('current_company'))}, score={m['score']}, "
        f"strategy={m.get('strategy')}. Why: {m.get('reason')}"
        for m in matches
    )
    return f"Here are the top candidate matches for job #{job_id}:\n\n{body}" + _suggest(
        f"'show applications for job {job_id}'", "'list candidates' to see everyone."
    )


def job_matches(candidate_id: int, matches: list[dict]) -> str:
    if not matches:
        return f"I found no jobs to match against candidate #{candidate_id} yet."
    body = "\n".join(
        f"- Job #{m['job_id']}: {m.get('title')}"
        f"{' (' + m['location'] + ')' if m.get('location') else ''}, status={m.get('status')}, "
        f"score={m['score']}, strategy={m.get('strategy')}. Why: {m.get('reason')}"
        for m in matches
    )
    return f"Here are the top job matches for candidate #{candidate_id}:\n\n{body}" + _suggest(
        f"'summarize candidate {candidate_id}'", "'list jobs' to see all openings."
    )


def applications_list(subject: str, rows: list[tuple]) -> str:
    if not rows:
        return f"There are no applications for {subject} yet."
    body = "\n".join(
        f"- Application #{a.id}: Candidate #{c.id} {c.full_name} for job #{j.id} {j.title}, "
        f"status={a.status}, source={a.source or 'manual'}, fit_score={a.fit_score}"
        for a, c, j in rows
    )
    first = rows[0][1].id
    return f"Applications for {subject}:\n\n{body}" + _suggest(
        f"'summarize candidate {first}'", "'move him to screening'"
    )


def moved(app, candidate, job, before: str) -> str:
    return (
        f"Moved candidate #{candidate.id} ({candidate.full_name}) from {before} to {app.status} "
        f"for job #{job.id} ({job.title})."
    )


def not_found(what: str, id_: int) -> str:
    return f"I couldn't find {what} #{id_} in your organization."


HELP = (
    "I can help with your jobs, candidates and pipeline. Try:\n"
    "- 'create a new job for a senior backend engineer in NYC'\n"
    "- 'list jobs' / 'show open jobs'\n"
    "- 'list candidates'\n"
    "- 'summarize candidate 3'\n"
    "- 'match candidates for job 5' / 'match jobs for candidate 7'\n"
    "- 'applications for job 5' / 'pipeline for job 5'\n"
    "- 'move him to screening'"
)
UNKNOWN = "I didn't understand that.\n\n" + HELP
REFUSALS = {
    "destructive": (
        "I can't delete or wipe records from the chat. Deleting a job or a candidate is an "
        "admin action in the app, one record at a time."
    ),
    "foreign": (
        "I can only see and act on your own organization's records; I can't show or change "
        "another organization's data."
    ),
    "tool": "I can't do that: it is not one of the things I was built to do.",
}
