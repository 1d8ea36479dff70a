// symmat's page: a form, the JSON API, and KaTeX.
//
// Everything the server sends is data. Text reaches the page only through
// textContent (never innerHTML), and math only through KaTeX with trust: false,
// so nothing typed into the form can become HTML or script. The state lives in
// the address bar: every result can be shared and reloaded.
"use strict";

(function () {
  const FIELDS = ["expr", "wrt", "where", "claim", "kind", "layout", "symmetric"];
  const DEFAULTS = { kind: "grad", layout: "mixed", symmetric: "sym", mode: "derive" };
  const BACKENDS = [["numpy", "NumPy"], ["jax", "JAX"], ["torch", "PyTorch"]];
  const KATEX = { throwOnError: true, trust: false, strict: "ignore", output: "htmlAndMathml" };

  const $ = (sel) => document.querySelector(sel);
  const form = $("#form");
  let serial = 0;          // the latest request; older answers are dropped
  let copies = {};         // what each copy button copies
  let current = null;      // the state of the result on show

  // ------------------------------------------------------------ building the page

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function math(latex, display) {
    const span = el("span", { class: display ? "math display" : "math" });
    try {
      katex.render(latex, span, Object.assign({ displayMode: !!display }, KATEX));
    } catch (e) {
      span.append(el("code", { class: "tex", title: String(e.message || e) }, latex));
    }
    return span;
  }

  // Words with $math$ and `code` in them (the check's sentences): text stays text.
  function prose(markdown) {
    const out = document.createDocumentFragment();
    const parts = String(markdown).split(/(\$[^$]+\$|`[^`]+`)/);
    for (const p of parts) {
      if (p.length > 2 && p[0] === "$" && p[p.length - 1] === "$") out.append(math(p.slice(1, -1)));
      else if (p.length > 2 && p[0] === "`" && p[p.length - 1] === "`") out.append(el("code", {}, p.slice(1, -1)));
      else if (p) out.append(p.replace(/\*([^*]+)\*/g, "$1"));
    }
    return out;
  }

  function show(id, ...children) {
    const node = $(id);
    node.replaceChildren(...children);
    node.hidden = children.length === 0;
    return node;
  }

  function clear() {
    for (const id of ["#error", "#verdict", "#result", "#proof"]) show(id);
    $("#code-box").hidden = true;
    $("#code").textContent = "";
    for (const name of ["expr", "wrt", "where", "claim"]) form.elements[name].removeAttribute("aria-invalid");
    copies = {};
  }

  // ------------------------------------------------------------ the state in the URL

  function mode() {
    return form.elements.mode.value === "check" ? "check" : "derive";
  }

  function readForm() {
    const state = { mode: mode() };
    for (const name of FIELDS) state[name] = form.elements[name].value;
    return state;
  }

  function fillForm(state) {
    for (const name of FIELDS) {
      const input = form.elements[name];
      const value = state[name] !== undefined ? state[name] : (DEFAULTS[name] || "");
      if (input.tagName === "SELECT" && ![...input.options].some((o) => o.value === value)) {
        input.value = DEFAULTS[name];
      } else {
        input.value = value;
      }
    }
    form.elements.mode.value = state.mode === "check" || (state.claim && !state.mode) ? "check" : "derive";
    onMode();
    grow();
  }

  function toQuery(state) {
    const q = new URLSearchParams();
    if (state.mode === "check") q.set("mode", "check");
    for (const name of FIELDS) {
      if (name === "claim" && state.mode !== "check") continue;
      const v = state[name];
      if (v && v !== DEFAULTS[name]) q.set(name, v);
    }
    if (state.proof) q.set("proof", "1");
    return q.toString().replace(/\+/g, "%20");
  }

  function fromQuery(search) {
    const q = new URLSearchParams(search);
    const state = {};
    for (const [k, v] of q) state[k] = v;
    return state;
  }

  function remember(state) {
    const url = "/?" + toQuery(state);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
  }

  // ------------------------------------------------------------ talking to the API

  async function post(endpoint, state) {
    const body = { view: true };
    for (const name of FIELDS) body[name] = state[name] || "";
    const response = await fetch("/api/" + endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    let data;
    try {
      data = await response.json();
    } catch (e) {
      data = { error: `the server answered ${response.status} ${response.statusText}` };
    }
    return { ok: response.ok, data: data };
  }

  async function run(state) {
    const mine = ++serial;
    current = state;
    clear();
    const check = state.mode === "check";
    setStatus(check ? "Checking…" : "Deriving…");
    let answer;
    try {
      answer = await post(check ? "check" : "derive", state);
    } catch (e) {
      answer = { ok: false, data: { error: "the server did not answer: is symmat serve still running?" } };
    }
    if (mine !== serial) return;
    setStatus("");
    if (!answer.ok) return showError(answer.data, state);
    if (check) showCheck(answer.data);
    else showDerivatives(answer.data, answer.data.view, answer.data.data);
    showCode(answer.data.code || {});
    if (state.proof && !check) prove(state);
  }

  function setStatus(text) {
    $("#status").textContent = text;
    $("#submit").disabled = !!text;
  }

  // ------------------------------------------------------------ results

  function list(x) {
    return Array.isArray(x) ? x : [x];
  }

  function showDerivatives(envelope, views, data, into) {
    const items = list(data);
    views = list(views);
    const blocks = items.map((d, i) => derivativeBlock(d, views[i] || {}, items.length > 1));
    if (!into) {
      copies.latex = envelope.notes.latex;
      copies.markdown = envelope.notes.markdown;
      blocks.push(actions(true));
    }
    show(into || "#result", ...blocks);
  }

  function derivativeBlock(d, view, several) {
    const block = el("article", { class: "derivative" });
    const heading = view.heading || `${d.kind} by ${d.wrt}`;
    block.append(el("h2", { class: "heading" }, heading[0].toUpperCase() + heading.slice(1)));
    block.append(el("p", { class: "read" }, "Read as ", math(d.read_as_latex || "f = " + d.function)));
    let result = d.latex;
    block.append(math((view.symbol_latex || "") + " = " + result, true));
    block.append(el("p", { class: "shape" }, "shape ", math(shapeLatex(d.shape)),
      ` · ${d.layout} layout` + (d.symmetric_convention ? ` · symmetric convention: ${d.symmetric_convention}` : "")));
    for (const note of view.notes || []) block.append(el("p", { class: "note" }, note));
    const chain = (d.steps || []).slice(1);        // the first line is f itself, read as above
    if (chain.length) {
      const details = el("details", { class: "derivation" });
      if (!several) details.open = true;
      details.append(el("summary", {}, "Derivation"));
      details.append(chainGrid(chain));
      block.append(details);
    }
    return block;
  }

  // The derivation as the notes write it: a chain of equalities aligned at "=",
  // a line with the same left-hand side as the one before written "= …" under it,
  // and the rule (with its Matrix Cookbook equation) to the right.
  function chainGrid(steps) {
    const grid = el("div", { class: "chain" });
    for (const s of steps) {
      const left = s.continued ? "" : (s.implies ? "\\Rightarrow " : "") + s.lhs_latex;
      const rule = s.rule ? s.rule + (s.eq ? `; Matrix Cookbook eq. ${s.eq}` : "") : "";
      const note = el("span", { class: "rule" }, rule);
      if (s.identities && s.identities.length) note.setAttribute("title", s.identities.join("\n"));
      grid.append(el("div", { class: "step" },
        el("span", { class: "lhs" }, left ? math(left) : ""),
        el("span", { class: "rhs" }, math("{}= " + s.rhs_latex)),
        note));
    }
    return grid;
  }

  function shapeLatex(shape) {
    const dim = (s) => String(s).replace(/\*/g, " ");
    return (shape || []).map(dim).join(" \\times ");
  }

  function actions(derived) {
    const bar = el("div", { class: "actions" });
    bar.append(el("button", { type: "button", class: "copy", "data-copy": "latex" }, "Copy LaTeX"));
    bar.append(el("button", { type: "button", class: "copy", "data-copy": "markdown" }, "Copy Markdown"));
    if (derived) {
      bar.append(el("button", { type: "button", id: "prove" }, "Prove element by element"));
    }
    return bar;
  }

  function showCheck(envelope) {
    const v = envelope.view;
    copies.latex = envelope.notes.latex;
    copies.markdown = envelope.notes.markdown;
    const box = el("div", { class: v.ok ? "right" : "wrong" });
    box.append(el("p", { class: "headline" },
      el("strong", {}, v.ok ? "✓ Right: " : "✗ Wrong: "), prose(v.headline),
      v.ok && v.method ? `, decided ${v.method}.` : "."));
    v.diagnoses.forEach((d, i) => {
      if (v.ok && d.code === "right") return;
      box.append(el("p", { class: "diagnosis", "data-code": d.code },
        el("em", {}, `${i ? "Also" : "Diagnosis"} (${d.title}): `), prose(d.markdown), "."));
    });
    if (!v.ok) box.append(el("p", { class: "answer" }, "The right answer: ", prose(v.answer)));
    if (v.counterexample) box.append(el("p", { class: "counterexample" }, "Counterexample: ", prose(v.counterexample), "."));
    if (v.assumed && v.assumed.length) {
      box.append(el("p", { class: "note" }, `The claim only fits when ${v.assumed.join(", ")}; it was judged at those sizes.`));
    }
    box.append(actions(false));
    show("#verdict", box);
    if (v.correct && envelope.data.correct) showDerivatives(envelope, [v.correct], envelope.data.correct, "#result");
  }

  function showCode(code) {
    const tabs = $("#code-box .tabs");
    tabs.replaceChildren();
    const have = BACKENDS.filter(([key]) => code[key]);
    if (!have.length) return;
    for (const [key, label] of have) {
      const tab = el("button", { type: "button", role: "tab", "data-backend": key }, label);
      tab.addEventListener("click", () => pick(key));
      tabs.append(tab);
    }
    const pick = (key) => {
      $("#code").textContent = code[key];
      copies.code = code[key];
      for (const t of tabs.children) t.setAttribute("aria-selected", String(t.dataset.backend === key));
    };
    pick(have[0][0]);
    $("#code-box").hidden = false;
  }

  async function prove(state) {
    const mine = serial;
    const box = show("#proof", el("p", { class: "status" }, "Expanding element by element (SymPy)…"));
    let answer;
    try {
      answer = await post("verify", state);
    } catch (e) {
      answer = { ok: false, data: { error: "the server did not answer" } };
    }
    if (mine !== serial) return;
    if (!answer.ok) return box.replaceChildren(el("p", { class: "error" }, answer.data.error));
    copies.latex = answer.data.notes.latex;
    copies.markdown = answer.data.notes.markdown;
    const parts = [el("h3", {}, "Proof by expansion")];
    for (const d of list(answer.data.data)) {
      const ver = d.verification;
      parts.push(el("p", { class: ver.ok ? "verified" : "failed" }, (ver.ok ? "✓ " : "✗ ") + ver.text.split("\n")[0]));
      if (ver.expansion) parts.push(el("p", { class: "expansion" }, "f = ", el("code", {}, ver.expansion)));
      const table = el("div", { class: "table" });
      for (const row of ver.table_latex || []) table.append(el("div", { class: "cell" }, math(row.entry + " = " + row.value)));
      parts.push(table);
    }
    box.replaceChildren(...parts);
  }

  // ------------------------------------------------------------ errors, with the place marked

  function showError(data, state) {
    const box = [el("p", { class: "message" }, data.error || "something went wrong")];
    const field = data.field;
    if (field && form.elements[field]) {
      form.elements[field].setAttribute("aria-invalid", "true");
      form.elements[field].focus();
    }
    if (field && form.elements[field] && typeof data.offset === "number") {
      const text = state[field] || "";
      const chars = Array.from(text);                 // the server counts characters, not UTF-16 units
      const at = Math.min(data.offset, chars.length);
      const width = Math.max(1, data.width || 1);
      const before = chars.slice(0, at).join("");
      const marked = chars.slice(at, at + width).join("") || " ";
      const after = chars.slice(at + width).join("");
      box.push(el("p", { class: "where" }, `in ${labelOf(field)}, column ${data.column}:`));
      box.push(el("pre", { class: "marked", "data-field": field }, before, el("mark", {}, marked), after));
      const start = before.length;
      form.elements[field].setSelectionRange(start, start + (marked === " " ? 0 : marked.length));
    }
    show("#error", ...box);
  }

  function labelOf(field) {
    return { expr: "the function", claim: "the claim", where: "the declarations", wrt: "the variable" }[field] || field;
  }

  // ------------------------------------------------------------ examples

  async function loadExamples() {
    let sections;
    try {
      sections = await (await fetch("/static/examples.json")).json();
    } catch (e) {
      return;
    }
    const aside = $("#examples");
    sections.forEach((section, i) => {
      const details = el("details", { class: "section" });
      details.open = i === 0;
      details.append(el("summary", {}, section.section));
      const ul = el("ul", {});
      for (const item of section.items) {
        const state = Object.assign({ mode: section.check ? "check" : "derive" }, item);
        delete state.title;
        const a = el("a", { href: "/?" + toQuery(state), class: "example" }, el("code", {}, item.expr));
        const by = [`by ${item.wrt}`];
        if (item.kind && item.kind !== "grad") by.push(item.kind);
        if (item.layout) by.push(`${item.layout} layout`);
        if (item.where) by.push(`where ${item.where}`);
        a.append(el("span", { class: "by" }, by.join(", ")));
        if (item.claim) a.append(el("span", { class: "claim" }, "claim: ", el("code", {}, item.claim)));
        a.addEventListener("click", (event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
          event.preventDefault();
          fillForm(state);
          remember(state);
          run(state);
          form.scrollIntoView({ behavior: "smooth", block: "start" });
        });
        ul.append(el("li", {}, a));
      }
      details.append(ul);
      aside.append(details);
    });
  }

  // ------------------------------------------------------------ wiring

  function onMode() {
    const check = mode() === "check";
    document.body.classList.toggle("checking", check);
    $("#submit").textContent = check ? "Check" : "Derive";
  }

  function grow() {
    const area = form.elements.expr;
    area.style.height = "auto";
    area.style.height = area.scrollHeight + 2 + "px";
  }

  async function copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      const area = el("textarea", { class: "visually-hidden" });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1200);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const state = readForm();
    remember(state);
    run(state);
  });
  form.elements.expr.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.elements.expr.addEventListener("input", grow);
  for (const radio of form.elements.mode) radio.addEventListener("change", onMode);
  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.copy && copies[button.dataset.copy]) copy(copies[button.dataset.copy], button);
    if (button.id === "prove" && current) {
      const state = Object.assign({}, current, { proof: true });
      remember(state);
      prove(state);
    }
  });
  window.addEventListener("popstate", start);

  function start() {
    const state = fromQuery(location.search);
    fillForm(state);
    if (state.expr) run(Object.assign(readForm(), { proof: state.proof === "1" }));
    else clear();
  }

  start();
  loadExamples();
})();
