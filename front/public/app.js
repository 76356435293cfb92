// The course's meme generator, in one plain ES module: no framework, nothing to install.
//
// The browser calls the API directly (CORS), so the front container needs no Docker
// network; the API's address comes from /config.json, which nginx renders from BASE_URL
// when the container starts. The calls, in order (back/README.md): POST /gifs for a
// keyword, POST /gifs/<name>/captions, POST /images to save, GET /images for the gallery;
// every picture is an <img> of GET /gifs/<name>.
//
// Text from the API or the user only ever reaches the page through textContent or alt.

const DEFAULT_BASE_URL = "http://localhost:3000";
const PAGE_SIZE = 12;
const HEALTH_EVERY_MS = 5000;
// The API answers /health within ~3 s even when the database is gone; a slower
// answer is as good as none for a status badge.
const HEALTH_TIMEOUT_MS = 8000;
const REQUEST_TIMEOUT_MS = 10000;
// A GIF from Giphy may take the API up to 20 s; a caption about a second.
const GIF_TIMEOUT_MS = 30000;

const $ = (id) => document.getElementById(id);

const state = {
  baseUrl: DEFAULT_BASE_URL,
  // The generator: the GIF on the canvas, and its caption once it has one.
  gif: null, // { name, keyword, caption }
  // The gallery's keyset paging: cursors[i] opens page i (undefined = the newest page).
  cursors: [undefined],
  page: 0,
  nextCursor: null,
  listRequest: 0, // only the latest list request may draw the gallery
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

/** The API's own words for a failed request: its JSON `message` (and `hint`), else the status. */
function messageOf(result) {
  const data = result.data || {};
  const message =
    typeof data.message === "string" ? data.message : `The API answered HTTP ${result.status}.`;
  return typeof data.hint === "string" ? `${message} Hint: ${data.hint}` : message;
}

function unreachableText(err) {
  return `Cannot reach the API at ${state.baseUrl} (${err.message}).`;
}

function gifUrl(name) {
  return `${state.baseUrl}/gifs/${encodeURIComponent(name)}`;
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
  // Back to health after an outage: the gallery most likely failed meanwhile.
  if (next === "ok" && previous !== "ok" && previous !== "checking" && state.listFailed) {
    loadGallery();
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

function announce(text) {
  // Cleared first so the same words twice are announced twice.
  const announcer = $("announcer");
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = text;
  }, 50);
}

// ---- the generator ----------------------------------------------------------------

/** Say an error under the generator; mark the field it is about, if the API names it. */
function generatorError(text, field = null) {
  for (const id of ["keyword", "caption"]) $(id).removeAttribute("aria-invalid");
  setText($("generator-error"), text);
  if (field && text.toLowerCase().includes(field)) {
    $(field).setAttribute("aria-invalid", "true");
    $(field).focus();
  }
}

function canvasNote(gif) {
  if (!gif) return "A GIF for your search term appears here.";
  if (gif.saved) return "Saved to the gallery.";
  if (gif.captioned) return "Captioned: save it to the gallery, or caption it again.";
  return "Get another one, or write a caption.";
}

/** The canvas and the buttons, from state.gif: the GIF found, and its captioned copy. */
function updateGenerator(working = "") {
  const gif = state.gif;
  const canvas = $("canvas");
  canvas.dataset.state = working ? "working" : gif ? "picture" : "empty";
  canvas.setAttribute("aria-busy", String(Boolean(working)));
  setText($("canvas-note"), working || canvasNote(gif));
  if (gif && !working) {
    $("picture").src = gifUrl(gif.captioned || gif.name);
    $("picture").alt = gif.captioned ? gif.caption : `The GIF found for “${gif.keyword}”`;
    $("picture").hidden = false;
  }
  $("search-button").disabled = Boolean(working);
  $("another").disabled = $("captionize").disabled = Boolean(working) || !gif;
  $("save").disabled = Boolean(working) || !gif?.captioned || gif.saved;
}

/** One call of the generator: a visible working state meanwhile, then done(its answer),
 * or the API's words if it refuses. */
async function generate(working, field, path, body, done) {
  const focused = document.activeElement;
  generatorError("");
  updateGenerator(working);
  announce(working);
  try {
    const result = await api(path, { method: "POST", body, timeout: GIF_TIMEOUT_MS });
    if (result.status === 201 && result.data) done(result.data);
    else generatorError(messageOf(result), field);
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    generatorError(unreachableText(err));
  } finally {
    updateGenerator();
    // The button pressed lost the focus while disabled: keyboard users get it back (or,
    // once it stays disabled, the caption's field), not the top of the page.
    if (document.activeElement === document.body && focused) {
      (focused.disabled ? $("caption") : focused).focus();
    }
  }
}

function search(event) {
  event?.preventDefault();
  const keyword = $("keyword").value;
  const working = `Looking for a GIF for “${keyword.trim()}”…`;
  return generate(working, "keyword", "/gifs", { keyword }, (data) => {
    state.gif = { name: data.name, keyword: keyword.trim() };
    announce(`A GIF for “${state.gif.keyword}” is on the canvas.`);
  });
}

function captionize(event) {
  event.preventDefault();
  // Always drawn on the GIF as found: a second caption replaces the first.
  const { name, keyword } = state.gif;
  const caption = $("caption").value;
  const working = `Captionizing: drawing “${caption.trim()}” into every frame…`;
  const path = `/gifs/${encodeURIComponent(name)}/captions`;
  return generate(working, "caption", path, { caption }, (data) => {
    state.gif = { name, keyword, caption: caption.trim(), captioned: data.name };
    announce("Captioned: the picture can be saved to the gallery.");
  });
}

function save() {
  const { caption, captioned } = state.gif;
  const body = { caption, filename: captioned };
  return generate("Saving to the gallery…", null, "/images", body, () => {
    state.gif.saved = true;
    announce(`Saved “${caption}” to the gallery.`);
    state.page = 0;
    state.cursors = [undefined];
    loadGallery();
  });
}

// ---- the gallery -------------------------------------------------------------------

function memeItem(image) {
  const item = document.createElement("li");
  item.className = "meme";
  item.dataset.id = String(image.id);

  const figure = document.createElement("figure");
  const picture = document.createElement("img");
  picture.src = gifUrl(image.filename);
  picture.alt = image.caption;
  picture.width = 320;
  picture.height = 240;
  picture.loading = "lazy";
  const caption = document.createElement("figcaption");
  caption.dataset.testid = "meme-caption";
  caption.textContent = image.caption;
  figure.append(picture, caption);

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.textContent = "Delete";
  remove.setAttribute("aria-label", `Delete “${image.caption}” (#${image.id})`);
  remove.addEventListener("click", () => deleteMeme(image, remove));

  item.append(figure, remove);
  return item;
}

function setListStatus(text, kind = "") {
  const status = $("list-status");
  status.textContent = text;
  status.dataset.kind = kind;
}

async function loadGallery() {
  const request = ++state.listRequest;
  const list = $("memes");
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
      loadGallery();
      return;
    }
    list.replaceChildren(...items.map(memeItem));
    state.nextCursor = nextCursor ?? null;
    state.listFailed = false;
    setListStatus(items.length === 0 ? "No memes yet: make the first one." : "");
  } catch (err) {
    if (request !== state.listRequest) return;
    state.listFailed = true;
    state.nextCursor = null;
    list.replaceChildren();
    const reason = err instanceof Unreachable ? unreachableText(err) : err.message;
    setListStatus(`Could not load the gallery. ${reason}`, "error");
  } finally {
    if (request === state.listRequest) {
      list.setAttribute("aria-busy", "false");
      $("newer").disabled = state.page === 0;
      $("older").disabled = state.nextCursor === null;
      $("page-label").textContent = `Page ${state.page + 1}`;
    }
  }
}

function goOlder() {
  state.cursors[state.page + 1] = state.nextCursor;
  state.page += 1;
  loadGallery();
}

function goNewer() {
  state.page -= 1;
  state.cursors.length = state.page + 1;
  loadGallery();
}

async function deleteMeme(image, button) {
  button.disabled = true;
  const item = button.closest("li");
  const neighbour = item.nextElementSibling || item.previousElementSibling;
  try {
    const result = await api(`/images/${image.id}`, { method: "DELETE" });
    if (result.status === 204 || result.status === 404) {
      announce(`${result.status === 204 ? "Deleted" : "Already deleted"}: “${image.caption}”.`);
      await loadGallery();
      // Keep keyboard users where they were: on the neighbouring picture's button.
      const id = neighbour && CSS.escape(neighbour.dataset.id);
      ((id && $("memes").querySelector(`li[data-id="${id}"] button`)) || $("refresh")).focus();
      return;
    }
    setListStatus(`Could not delete “${image.caption}”. ${messageOf(result)}`, "error");
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err;
    setListStatus(`Could not delete “${image.caption}”. ${unreachableText(err)}`, "error");
  }
  button.disabled = false;
}

// ---- start ----------------------------------------------------------------------

async function start() {
  $("search-form").addEventListener("submit", search);
  $("another").addEventListener("click", () => search());
  $("caption-form").addEventListener("submit", captionize);
  $("save").addEventListener("click", save);
  $("refresh").addEventListener("click", () => loadGallery());
  $("older").addEventListener("click", goOlder);
  $("newer").addEventListener("click", goNewer);

  const config = await loadConfig();
  state.baseUrl = config.baseUrl;
  if (config.name) {
    document.title = `${config.name} · memes`;
    setText($("app-name"), `${config.name} memes`);
  }
  const link = $("api-base");
  link.textContent = state.baseUrl;
  link.href = `${state.baseUrl}/health`;
  setText($("config-note"), config.note);
  document.body.dataset.baseUrl = state.baseUrl;

  checkHealth();
  await loadGallery();
  document.body.dataset.ready = "true"; // for tests: config read, first gallery page drawn
}

start();
