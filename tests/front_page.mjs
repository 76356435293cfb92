// front/public/app.js, run by node against a small stand-in of the browser: the page's
// elements (every id of front/public/index.html, with their tags and attributes), fetch
// answering what the test says the API and nginx answer, and timers the test steps through.
// For tests/test_front_page.py: it reads a scenario (JSON) on stdin and prints what the
// page shows and asked, after each step, as JSON. The page is never run in a real
// browser here (tests/e2e/test_front.py does that, on the engines).
//
// The stand-in keeps what app.js may do to the page to what it does in a browser, and
// refuses the rest: innerHTML and insertAdjacentHTML throw (text from the API reaches the
// page through textContent only).

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [appPath, indexPath] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(0, "utf8"));

class Element {
  constructor(tag, attributes = {}) {
    this.tagName = tag.toUpperCase();
    this.attributes = { ...attributes };
    this.id = attributes.id || "";
    this.children = [];
    this.parent = null;
    this.dataset = {};
    for (const [name, value] of Object.entries(attributes)) {
      if (name.startsWith("data-")) {
        this.dataset[name.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = value;
      }
    }
    this.hidden = "hidden" in attributes;
    this.disabled = "disabled" in attributes;
    this.value = "";
    this.text = "";
    this.listeners = {};
    this.type = attributes.type || "";
    this.className = attributes.class || "";
    this.href = attributes.href || "";
  }
  get textContent() {
    return this.text + this.children.map((c) => c.textContent).join("");
  }
  set textContent(value) {
    this.text = String(value);
    this.children = [];
  }
  set innerHTML(value) {
    throw new Error(`innerHTML written: ${value}`);
  }
  insertAdjacentHTML(_, value) {
    throw new Error(`insertAdjacentHTML: ${value}`);
  }
  get childElementCount() {
    return this.children.length;
  }
  append(...nodes) {
    for (const node of nodes) {
      node.parent = this;
      this.children.push(node);
    }
  }
  replaceChildren(...nodes) {
    this.children = [];
    this.text = "";
    this.append(...nodes);
  }
  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }
  getAttribute(name) {
    return name in this.attributes ? this.attributes[name] : null;
  }
  removeAttribute(name) {
    delete this.attributes[name];
  }
  addEventListener(type, listener) {
    (this.listeners[type] ||= []).push(listener);
  }
  async dispatch(type, event = {}) {
    const full = { preventDefault() {}, target: this, ...event };
    for (const listener of this.listeners[type] || []) await listener(full);
  }
  focus() {
    document.activeElement = this;
  }
  closest(selector) {
    const tag = selector.toUpperCase();
    for (let node = this; node; node = node.parent) if (node.tagName === tag) return node;
    return null;
  }
  get nextElementSibling() {
    const siblings = this.parent ? this.parent.children : [];
    return siblings[siblings.indexOf(this) + 1] || null;
  }
  get previousElementSibling() {
    const siblings = this.parent ? this.parent.children : [];
    return siblings[siblings.indexOf(this) - 1] || null;
  }
  querySelector(selector) {
    // The one form app.js uses: li[data-id="N"] button
    const match = /^li\[data-id="([^"]+)"\] button$/.exec(selector);
    if (!match) throw new Error(`querySelector: ${selector}`);
    const row = this.children.find((c) => c.tagName === "LI" && c.dataset.id === match[1]);
    return row ? find(row, (n) => n.tagName === "BUTTON") : null;
  }
  reset() {
    for (const id of ["caption", "filename"]) byId[id].value = "";
  }
}

function find(node, test) {
  if (test(node)) return node;
  for (const child of node.children) {
    const found = find(child, test);
    if (found) return found;
  }
  return null;
}

// The page's elements: every tag of index.html that has an id, with its attributes.
const byId = {};
const html = readFileSync(indexPath, "utf8");
for (const [, tag, attrs] of html.matchAll(/<(\w+)\s([^>]*\bid="[^"]+"[^>]*)>/g)) {
  const attributes = {};
  for (const [, name, , value] of attrs.matchAll(/([\w-]+)(="([^"]*)")?/g)) {
    attributes[name] = value ?? "";
  }
  const element = new Element(tag, attributes);
  const text = new RegExp(`<${tag}\\s[^>]*\\bid="${attributes.id}"[^>]*>([^<]*)<`).exec(html);
  element.text = text ? text[1] : "";
  byId[attributes.id] = element;
}

const asked = [];
const timers = [];
const page = new URL(scenario.page || "http://localhost:8080/");
globalThis.location = page;
globalThis.window = {
  location: page,
  setTimeout(callback, delay) {
    timers.push({ callback, delay });
    return timers.length;
  },
};
globalThis.document = {
  title: "k8scourse · images",
  body: new Element("body"),
  activeElement: null,
  getElementById: (id) => byId[id] || null,
  createElement: (tag) => new Element(tag),
};
globalThis.CSS = { escape: (text) => String(text).replace(/["\\]/g, "\\$&") };

// fetch: the scenario's answers, by "METHOD URL", each used in turn (the last one stays).
const answers = scenario.answers;
globalThis.fetch = async (url, init = {}) => {
  const method = init.method || "GET";
  const key = `${method} ${new URL(url, page).href}`;
  asked.push({ key, cache: init.cache || null, body: init.body ?? null,
               contentType: (init.headers || {})["Content-Type"] || null });
  const queue = answers[key];
  if (!queue || queue.length === 0) throw new TypeError("Failed to fetch");
  const answer = queue.length > 1 ? queue.shift() : queue[0];
  if (answer.unreachable) throw new TypeError("Failed to fetch");
  const body = answer.json === undefined ? "" : JSON.stringify(answer.json);
  return new Response(answer.status === 204 ? null : body, {
    status: answer.status,
    headers: answer.json === undefined ? {} : { "Content-Type": "application/json" },
  });
};

async function settle() {
  // Let every pending promise and every short timer (the announcer's 50 ms) run; the
  // 5 s health timer is kept, and counted.
  for (let round = 0; round < 50; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    const short = timers.filter((t) => t.delay < 1000 && !t.done);
    for (const timer of short) {
      timer.done = true;
      timer.callback();
    }
  }
}

function shown() {
  const rows = byId.images.children.map((row) => ({
    id: row.dataset.id,
    caption: find(row, (n) => n.className === "caption").textContent,
    filename: find(row, (n) => n.className === "filename").textContent,
  }));
  const text = (id) => (byId[id].hidden ? null : byId[id].textContent);
  return {
    asked: asked.splice(0),
    title: document.title,
    heading: byId["app-name"].textContent,
    api: [byId["api-base"].textContent, byId["api-base"].href],
    configNote: text("config-note"),
    health: {
      state: byId.health.dataset.state,
      title: text("health-title"),
      detail: text("health-detail"),
      hint: text("health-hint"),
    },
    rows,
    listStatus: byId["list-status"].textContent,
    newer: byId.newer.disabled,
    older: byId.older.disabled,
    pageLabel: byId["page-label"].textContent,
    formError: text("form-error"),
    captionError: text("caption-error"),
    filenameError: text("filename-error"),
    captionInvalid: byId.caption.getAttribute("aria-invalid"),
    announced: byId.announcer.textContent,
    healthTimers: timers.filter((t) => t.delay >= 1000 && !t.done).map((t) => t.delay),
    ready: document.body.dataset.ready || null,
  };
}

await import(pathToFileURL(appPath).href);
await settle();
const steps = [shown()];
for (const step of scenario.steps || []) {
  if (step.answers) Object.assign(answers, step.answers);
  if (step.do === "add") {
    byId.caption.value = step.caption;
    byId.filename.value = step.filename;
    await byId["add-form"].dispatch("submit");
  } else if (step.do === "delete") {
    const row = byId.images.children[step.row];
    await find(row, (n) => n.tagName === "BUTTON").dispatch("click");
  } else if (step.do === "older" || step.do === "newer" || step.do === "refresh") {
    await byId[step.do].dispatch("click");
  } else if (step.do === "health") {
    const timer = timers.find((t) => t.delay >= 1000 && !t.done);
    timer.done = true;
    await timer.callback();
  }
  await settle();
  steps.push(shown());
}
process.stdout.write(JSON.stringify(steps));
