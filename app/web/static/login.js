/* Sign in: exchange e-mail and password for the platform's tokens, then go where we came from. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const K = window.Kairos;
  const form = K.$("#login-form");
  const next = new URLSearchParams(location.search).get("next") || "/";
  // Only a path on this site: never send a freshly signed-in user to another origin.
  const target = next.startsWith("/") && !next.startsWith("//") ? next : "/";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    K.clearError();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const resp = await fetch("/api/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email: form.email.value.trim(), password: form.password.value }),
      });
      const body = await resp.json().catch(() => null);
      if (!resp.ok) throw new K.ApiError(resp.status, body);
      K.saveTokens(body.data);
      location.assign(target);
    } catch (err) {
      K.showError(err);
      form.password.focus();
    } finally {
      button.disabled = false;
    }
  });
  form.email.focus();
});
