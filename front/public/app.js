// The front tier of k8scourse: one plain ES module, no framework, no build step.
//
// The browser calls the API directly (CORS), so the front container needs no
// Docker network; the API's address comes from /config.json, which nginx renders
// from BASE_URL when the container starts.
//
// Text from the API or the user only ever reaches the page through textContent.

const DEFAULT_BASE_URL = "http://localhost:3000";
const PAGE_SIZE = 10;
const HEALTH_EVERY_MS = 5000;
// The API answers /health within ~3 s even when the database is gone; a slower
// answer is as good as none for a status badge.
const HEALTH_TIMEOUT_MS = 8000;
const REQUEST_TIMEOUT_MS = 10000;

const $ = (id) => document.getElementById(id);

const state = {
  baseUrl: DEFAULT_BASE_URL,
  // Keyset paging: cursors[i] opens page i (undefined = the newest page).
  cursors: [undefined],
  page: 0,
  nextCursor: null,
  listRequest: 0, // only the latest list request may draw the list
  listFailed: false,
  health: "checking",
};

// ---- talking to the API ---------------------------------------------------

/** The API could not be reached at all: refused, DNS, CORS, or a timeout. */
class Unreachable extends Error {}

async function api(path, { method = "GET", body, timeout = REQUEST_TIMEOUT_MS } = {}) {
  const init = { method, cache: "no-store", signal: AbortSignal.timeout(timeout) };
  if (body !== undefined) {
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(state.baseUrl + path, init);
  } catch (err) {
    // fetch hides the reason (a refused connection and a CORS refusal look the
    // same to a page), so say what to check instead.
    const timedOut = err && err.name === "TimeoutError";
    throw new Unreachable(timedOut ? `no answer within ${timeout / 1000} s` : "the connection failed");
  }
  let data = null;
  if ((response.headers.get("Content-Type") || "").includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null; // an empty or broken body: the status still tells
    }
  }
  return { status: response.status, data };
}

/** The API's own words for a failed request: its JSON `message`, else the status. */
function messageOf(result) {
  if (result.data && typeof result.data.message === "string") return result.data.message;
  return `The API answered HTTP ${result.status}.`;
}

function unreachableText(err) {
  return `Cannot reach the API at ${state.baseUrl} (${err.message}).`;
}

// ---- configuration ----------------------------------------------------------

async function loadConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const config = await response.json();
    if (typeof config.baseUrl !== "string" || !/^[^\s"']+$/.test(config.baseUrl)) {
      throw new Error("no usable baseUrl");
    }
    // A path (BASE_URL=api or /api) is the API on the page's own origin, as behind a
    // path-based Ingress: resolved against the page's address, as a link would be.
    const baseUrl = new URL(config.baseUrl, location.href);
    if (!["http:", "https:"].includes(baseUrl.protocol)) throw new Error("no usable baseUrl");
    // The project's name (APP_NAME, PROJECT in the Makefile) titles the page.
    const name = typeof config.name === "string" && config.name ? config.name : "";
    return { baseUrl: baseUrl.href.replace(/\/+$/, ""), name, note: "" };
  } catch (err) {
    return {
      baseUrl: DEFAULT_BASE_URL,
      note: `config.json could not be read (${err.message}); using ${DEFAULT_BASE_URL}.`,
    };
  }
}

// ---- health badge -------------------------------------------------------------

function setText(element, text) {
  // Only touch the DOM on a change: the badge is a live region, and rewriting the
  // same words every 5 s would make screen readers repeat them.
  if (element.textContent !== text) element.textContent = text;
  element.hidden = text === "";
}

function showHealth({ state: next, title, detail = "", hint = "" }) {
  const badge = $("health");
  const previous = state.health;
  state.health = next;
  badge.dataset.state = next;
  setText($("health-title"), title);
  setText($("health-detail"), detail);
  setText($("health-hint"), hint);
  // Back to health after an outage: the list most likely failed meanwhile.
  if (next === "ok" && previous !== "ok" && previous !== "checking" && state.listFailed) {
    loadList();
  }
}

async function checkHealth() {
  try {
    const result = await api("/health", { timeout: HEALTH_TIMEOUT_MS });
    const body = result.data || {};
    if (result.status === 200 && body.db === true) {
      showHealth({ state: "ok", title: "API and database OK" });
    } else if (result.status === 503) {
      const where = body.mysql_host ? ` (MYSQL_HOST=${body.mysql_host})` : "";
      showHealth({
        state: "db-down",
        title: "Database unavailable",
        detail: `The API answers, but not its database${where}: ${body.error || "no details"}`,
        hint: typeof body.hint === "string" ? `Hint: ${body.hint}` : "",
      });
    } else {
      showHealth({
        state: "error",
        title: "Unexpected answer from the API",
        detail: `GET ${state.baseUrl}/health answered HTTP ${result.status}.`,
      });
    }
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    showHealth({
      state: "unreachable",
      title: "Cannot reach the backend",
      detail:
        `No answer from ${state.baseUrl} (${err.message}). Is the backend running and ` +
        `published on that port, and does its CORS_ORIGINS include ${window.location.origin}?`,
    });
  } finally {
    // setTimeout after each answer, not setInterval: a slow answer never piles up requests.
    window.setTimeout(checkHealth, HEALTH_EVERY_MS);
  }
}

// ---- the list -------------------------------------------------------------------

function imageRow(image) {
  const item = document.createElement("li");
  item.className = "image";
  item.dataset.testid = "image-row";
  item.dataset.id = String(image.id);

  const text = document.createElement("div");
  text.className = "image-text";
  const caption = document.createElement("p");
  caption.className = "caption";
  caption.dataset.testid = "image-caption";
  caption.textContent = image.caption;
  const meta = document.createElement("p");
  meta.className = "meta";
  const filename = document.createElement("span");
  filename.className = "filename";
  filename.textContent = image.filename;
  const id = document.createElement("span");
  id.className = "image-id";
  id.textContent = `#${image.id}`;
  meta.append(filename, id);
  text.append(caption, meta);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.dataset.testid = "delete";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete “${image.caption}” (#${image.id})`);
  remove.addEventListener("click", () => deleteImage(image, remove));

  item.append(text, remove);
  return item;
}

function setListStatus(text, kind = "") {
  const status = $("list-status");
  status.textContent = text;
  status.dataset.kind = kind;
}

async function loadList() {
  const request = ++state.listRequest;
  const list = $("images");
  list.setAttribute("aria-busy", "true");
  if (list.childElementCount === 0) setListStatus("Loading…");
  const cursor = state.cursors[state.page];
  const query = `?limit=${PAGE_SIZE}` + (cursor === undefined ? "" : `&cursor=${cursor}`);
  try {
    const result = await api(`/images${query}`);
    if (request !== state.listRequest) return;
    if (result.status !== 200 || !result.data || !Array.isArray(result.data.items)) {
      throw new Error(messageOf(result));
    }
    const { items, next_cursor: nextCursor } = result.data;
    if (items.length === 0 && state.page > 0) {
      // The page emptied (deletions elsewhere): show the one before it.
      state.page -= 1;
      state.cursors.length = state.page + 1;
      loadList();
      return;
    }
    list.replaceChildren(...items.map(imageRow));
    state.nextCursor = nextCursor ?? null;
    state.listFailed = false;
    setListStatus(items.length === 0 ? "No images yet: add the first one." : "", "empty");
  } catch (err) {
    if (request !== state.listRequest) return;
    state.listFailed = true;
    state.nextCursor = null;
    list.replaceChildren();
    const reason = err instanceof Unreachable ? unreachableText(err) : err.message;
    setListStatus(`Could not load the images. ${reason}`, "error");
  } finally {
    if (request === state.listRequest) {
      list.setAttribute("aria-busy", "false");
      updatePager();
    }
  }
}

function updatePager() {
  $("newer").disabled = state.page === 0;
  $("older").disabled = state.nextCursor === null;
  $("page-label").textContent = `Page ${state.page + 1}`;
}

function goOlder() {
  if (state.nextCursor === null) return;
  state.cursors[state.page + 1] = state.nextCursor;
  state.page += 1;
  loadList();
}

function goNewer() {
  if (state.page === 0) return;
  state.page -= 1;
  state.cursors.length = state.page + 1;
  loadList();
}

function announce(text) {
  // Cleared first so the same words twice are announced twice.
  const announcer = $("announcer");
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

async function deleteImage(image, button) {
  button.disabled = true;
  const row = button.closest("li");
  const nextRow = row && (row.nextElementSibling || row.previousElementSibling);
  const focusAfter = nextRow ? nextRow.dataset.id : null;
  try {
    const result = await api(`/images/${image.id}`, { method: "DELETE" });
    if (result.status === 204 || result.status === 404) {
      const done = result.status === 204 ? "Deleted" : "Already deleted";
      setListStatus("");
      announce(`${done}: “${image.caption}”.`);
      await loadList();
      // Keep keyboard users where they were: on the neighbouring row's button.
      const target =
        focusAfter && $("images").querySelector(`li[data-id="${CSS.escape(focusAfter)}"] button`);
      (target || $("refresh")).focus();
      return;
    }
    setListStatus(`Could not delete “${image.caption}”. ${messageOf(result)}`, "error");
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    setListStatus(`Could not delete “${image.caption}”. ${unreachableText(err)}`, "error");
  }
  button.disabled = false;
}

// ---- the form -------------------------------------------------------------------

const FIELDS = ["caption", "filename"];

function clearErrors() {
  for (const name of FIELDS) {
    $(name).removeAttribute("aria-invalid");
    setText($(`${name}-error`), "");
  }
  setText($("form-error"), "");
}

function showError(message) {
  // The API names the field first ("caption must be ..."): put it next to that field.
  const field = FIELDS.find((name) => message.startsWith(name));
  if (!field) {
    setText($("form-error"), message);
    return;
  }
  $(field).setAttribute("aria-invalid", "true");
  setText($(`${field}-error`), message);
  $(field).focus();
}

async function addImage(event) {
  event.preventDefault();
  clearErrors();
  const button = $("add-button");
  const caption = $("caption").value;
  const filename = $("filename").value.trim();
  button.disabled = true;
  button.textContent = "Adding…";
  try {
    const result = await api("/images", { method: "POST", body: { caption, filename } });
    if (result.status === 201 && result.data) {
      $("add-form").reset();
      announce(`Added “${result.data.caption}”.`);
      state.page = 0;
      state.cursors = [undefined];
      await loadList();
      $("caption").focus();
    } else {
      showError(messageOf(result));
    }
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    showError(unreachableText(err));
  } finally {
    button.disabled = false;
    button.textContent = "Add image";
  }
}

// ---- start ----------------------------------------------------------------------

async function start() {
  $("add-form").addEventListener("submit", addImage);
  $("refresh").addEventListener("click", () => loadList());
  $("older").addEventListener("click", goOlder);
  $("newer").addEventListener("click", goNewer);

  const config = await loadConfig();
  state.baseUrl = config.baseUrl;
  if (config.name) {
    document.title = `${config.name} · images`;
    setText($("app-name"), `${config.name} images`);
  }
  const link = $("api-base");
  link.textContent = state.baseUrl;
  link.href = `${state.baseUrl}/health`;
  setText($("config-note"), config.note);
  document.body.dataset.baseUrl = state.baseUrl;

  checkHealth();
  await loadList();
  document.body.dataset.ready = "true"; // for tests: config read, first list drawn
}

start();
