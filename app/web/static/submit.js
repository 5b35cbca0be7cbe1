/* Submit a task: a form built from the kind's parameter schema (JSON Schema from
 * GET /api/v1/task-kinds), so every kind a workload registers can be started here. */
"use strict";

(function () {
  const K = window.Kairos;
  let kinds = [];

  function typeOf(prop) {
    const t = Array.isArray(prop.type) ? prop.type.find((x) => x !== "null") : prop.type;
    return t || "string";
  }

  function control(name, prop, required) {
    const id = "p-" + name;
    const type = typeOf(prop);
    const help = [];
    if (prop.description) help.push(prop.description);
    if (prop.minimum !== undefined || prop.maximum !== undefined) {
      help.push("from " + (prop.minimum ?? "…") + " to " + (prop.maximum ?? "…"));
    }
    if (prop.maxLength) help.push("at most " + prop.maxLength + " characters");
    const helpId = help.length ? id + "-help" : null;
    const common = { id, name, "aria-describedby": helpId, required: required || null, "data-type": type };
    let input;
    if (prop.enum) {
      input = K.h("select", common, required ? null : K.h("option", { value: "", text: "—" }),
        prop.enum.filter((v) => v !== null).map((v) => K.h("option", { value: String(v), text: String(v), selected: prop.default === v })));
    } else if (type === "boolean") {
      input = K.h("select", common,
        K.h("option", { value: "", text: "—" }),
        K.h("option", { value: "true", text: "yes", selected: prop.default === true }),
        K.h("option", { value: "false", text: "no", selected: prop.default === false }));
    } else if (type === "integer" || type === "number") {
      input = K.h("input", Object.assign({}, common, {
        type: "number", inputmode: type === "integer" ? "numeric" : "decimal",
        step: type === "integer" ? "1" : "any", min: prop.minimum, max: prop.maximum,
        value: prop.default ?? null,
      }));
    } else if (type === "array" || type === "object") {
      input = K.h("textarea", Object.assign({}, common, { rows: "3", placeholder: type === "array" ? '["…"] (JSON)' : "{…} (JSON)" }));
    } else if ((prop.maxLength || 0) > 500) {
      input = K.h("textarea", Object.assign({}, common, { maxlength: prop.maxLength, rows: "6" }));
    } else {
      input = K.h("input", Object.assign({}, common, {
        type: prop.format === "email" ? "email" : "text", maxlength: prop.maxLength,
        minlength: prop.minLength, pattern: prop.pattern, value: typeof prop.default === "string" ? prop.default : null,
      }));
    }
    return K.h("div", { class: "field" },
      K.h("label", { for: id, text: name + (required ? " (required)" : "") }),
      input,
      helpId ? K.h("p", { id: helpId, class: "muted", text: help.join("; ") }) : null,
      K.h("p", { class: "field-error", id: id + "-error", "aria-live": "polite" }));
  }

  function render(kind) {
    const box = K.$("#params");
    box.querySelectorAll(".field").forEach((f) => f.remove());
    const schema = kind.params_schema || { properties: {} };
    const required = schema.required || [];
    const names = Object.keys(schema.properties || {});
    K.$("#kind-help").textContent = kind.description || "";
    if (!names.length) box.append(K.h("p", { class: "field muted", text: "This kind takes no parameters." }));
    for (const name of names) box.append(control(name, schema.properties[name], required.includes(name)));
  }

  function collect(form) {
    const params = {};
    const problems = {};
    for (const el of form.querySelectorAll("#params [name]")) {
      const raw = el.value.trim();
      if (raw === "") continue;
      const type = el.dataset.type;
      try {
        if (type === "integer") {
          if (!/^-?\d+$/.test(raw)) throw new Error("Not a whole number");
          params[el.name] = Number(raw);
        } else if (type === "number") {
          if (isNaN(Number(raw))) throw new Error("Not a number");
          params[el.name] = Number(raw);
        } else if (type === "boolean") params[el.name] = raw === "true";
        else if (type === "array" || type === "object") params[el.name] = JSON.parse(raw);
        else params[el.name] = raw;
      } catch (err) {
        problems[el.name] = [err instanceof SyntaxError ? "Not valid JSON" : err.message];
      }
    }
    return { params, problems };
  }

  function fieldErrors(errors) {
    for (const el of document.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    const params = errors.params && typeof errors.params === "object" && !Array.isArray(errors.params) ? errors.params : errors;
    for (const [name, msgs] of Object.entries(params)) {
      const slot = K.$("#p-" + CSS.escape(name) + "-error");
      const input = K.$("#p-" + CSS.escape(name));
      if (slot) slot.textContent = [].concat(msgs).map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ");
      if (input) input.setAttribute("aria-invalid", "true");
    }
  }

  K.start(async () => {
    kinds = await K.api.get("/api/v1/task-kinds");
    const select = K.$("#kind");
    for (const kind of kinds) select.append(K.h("option", { value: kind.name, text: kind.name }));
    const wanted = new URLSearchParams(location.search).get("kind");
    if (wanted && kinds.some((k) => k.name === wanted)) select.value = wanted;
    const current = () => kinds.find((k) => k.name === select.value);
    render(current());
    select.addEventListener("change", () => render(current()));
    const form = K.$("#submit-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      K.clearError();
      const { params, problems } = collect(form);
      if (Object.keys(problems).length) {
        fieldErrors(problems);
        return K.showError(new Error("Some parameters are not valid"));
      }
      try {
        const task = await K.api.post("/api/v1/tasks", { kind: select.value, params });
        location.assign("/tasks/" + task.id);
      } catch (err) {
        fieldErrors(err.errors || {});
        K.showError(err);
      }
    });
  });
})();
