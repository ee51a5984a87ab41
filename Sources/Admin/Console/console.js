// The moda-relay on-call console. Plain browser JavaScript, no dependencies: everything it shows
// comes from the admin API of the listener that served it (/admin/sinks, /admin/activity,
// /admin/deliveries, /admin/dead, POST /admin/dead/replay).
//
// Rules kept throughout:
// - Text from the relay (event fields, answers from sinks, reasons) goes into the page as text
//   nodes only (`textContent`, `append(string)`), never as HTML.
// - The admin token is kept in this tab's sessionStorage and sent as `Authorization: Bearer`.
// - POST bodies are JSON with `Content-Type: application/json`.
"use strict";

const TOKEN_KEY = "moda-relay.admin-token";
const REFRESH_MS = 3000;
const DEAD_PAGE = 50;

const state = {
  signedIn: false,
  timer: null,
  refreshing: false,
  sinks: [],
  deliveriesKey: "",
  deadKey: "",
  deadSignature: "",
  deadFetchedAt: 0,
  deadOffset: 0,
  deadCount: 0,
  deadRows: [],
  selected: new Map(), // "sink\u0000id" -> {sink, id}
  openDelivery: null,
  openLetter: null,
  pendingReplay: null,
};

// ---- small DOM helpers ----------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

/** Runs `action` on a click, and on Enter or Space when the row has the keyboard focus. */
function activate(row, action) {
  row.tabIndex = 0;
  row.addEventListener("click", action);
  row.addEventListener("keydown", (event) => {
    if (event.target !== row || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    action();
  });
}

function show(node, visible) {
  node.hidden = !visible;
}

function pill(text, kind) {
  return el("span", { class: "pill " + kind, text });
}

function stateClass(text) {
  return "state-" + String(text).replace(/[^a-z]+/gi, "-").toLowerCase();
}

// ---- time -----------------------------------------------------------------------------------

function ago(iso) {
  if (!iso) return "";
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return duration(seconds) + " ago";
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return Math.round(seconds) + " s";
  if (seconds < 3600) return Math.round(seconds / 60) + " min";
  if (seconds < 86400) return (seconds / 3600).toFixed(1) + " h";
  return (seconds / 86400).toFixed(1) + " d";
}

function clock(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return isNaN(date) ? iso : date.toLocaleString();
}

/** "12 s ago", kept current by ``updateAges`` on every refresh without rebuilding the row. */
function agoSpan(iso, className) {
  return el("span", { class: "ago" + (className ? " " + className : ""), "data-at": iso, text: ago(iso) });
}

function timeCell(iso) {
  return el("td", { title: iso }, agoSpan(iso));
}

function updateAges() {
  for (const node of document.querySelectorAll(".ago")) node.textContent = ago(node.dataset.at);
}

/** A datetime-local value (local time) as RFC 3339 in UTC, or undefined. */
function localInput(id) {
  const value = $(id).value;
  if (!value) return undefined;
  const date = new Date(value);
  return isNaN(date) ? undefined : date.toISOString();
}

// ---- the admin API --------------------------------------------------------------------------

class Unauthorized extends Error {}

class ApiError extends Error {
  constructor(status, reason) {
    super(reason ? `${reason} (HTTP ${status})` : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, body) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const options = { method: "GET", headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    options.method = "POST";
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError(0, "the relay did not answer: " + error.message);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (response.status === 401) throw new Unauthorized(data && data.reason);
  if (!response.ok) throw new ApiError(response.status, data && data.reason);
  return data;
}

function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

// ---- signing in -----------------------------------------------------------------------------

function signedOut(reason) {
  state.signedIn = false;
  stopTimer();
  show($("console"), false);
  show($("login"), true);
  show($("forget-token"), false);
  const hadToken = sessionStorage.getItem(TOKEN_KEY) !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  const error = $("login-error");
  error.textContent = hadToken ? "That token was refused: " + (reason || "wrong token") : "";
  show(error, hadToken);
  $("token-input").focus();
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token-input").value.trim();
  if (!token) return;
  if (!/^[\x21-\x7e]+$/.test(token)) {
    $("login-error").textContent = "A token is printable ASCII without spaces.";
    show($("login-error"), true);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token-input").value = "";
  await start();
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  signedOut();
}

async function start() {
  try {
    await refreshAll();
  } catch (error) {
    if (error instanceof Unauthorized) return signedOut(error.message);
    banner(error.message);
  }
  if (!state.signedIn) return;
  startTimer();
}

// ---- refreshing -----------------------------------------------------------------------------

function banner(message) {
  $("banner").textContent = message || "";
  show($("banner"), Boolean(message));
}

function startTimer() {
  stopTimer();
  if ($("auto-refresh").checked) state.timer = setInterval(tick, REFRESH_MS);
}

function stopTimer() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

async function tick() {
  if (state.refreshing || document.hidden) return;
  try {
    await refreshAll();
  } catch (error) {
    if (error instanceof Unauthorized) return signedOut(error.message);
    banner(error.message);
  }
}

async function refreshAll() {
  state.refreshing = true;
  try {
    const [sinks, activity] = await Promise.all([api("/admin/sinks"), api("/admin/activity")]);
    if (!state.signedIn) {
      state.signedIn = true;
      show($("login"), false);
      show($("console"), true);
      show($("forget-token"), sessionStorage.getItem(TOKEN_KEY) !== null);
    }
    renderSinks(sinks, activity);
    renderBackfill(sinks.backfill);
    // The dead-letter page is the one read that grows with the data (about 5 ms at 100k letters,
    // 50 ms at 1M): ask again only when a sink's count changed, or every 30 s.
    const signature = JSON.stringify(state.sinks.map((sink) => [sink.name, sink.dead_letters]));
    const deadDue = signature !== state.deadSignature || Date.now() - state.deadFetchedAt > 30000;
    state.deadSignature = signature;
    await Promise.all([refreshDeliveries(), deadDue ? refreshDead() : null, refreshReadiness()]);
    updateAges();
    banner("");
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } finally {
    state.refreshing = false;
  }
}

async function refreshReadiness() {
  const badge = $("readiness");
  try {
    // With the token, /readyz gives its reasons in words; without, only their codes.
    const headers = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch("/readyz", { headers, cache: "no-store", credentials: "omit" });
    badge.textContent = response.ok ? "ready" : "not ready";
    badge.className = "pill " + (response.ok ? "ok" : "bad");
    let reasons = "";
    try {
      const data = await response.json();
      reasons = (data.reasons || []).join("; ");
    } catch (_) {
      reasons = "";
    }
    badge.title = reasons || "GET /readyz";
  } catch (_) {
    badge.textContent = "unreachable";
    badge.className = "pill bad";
  }
}

// ---- backfill -------------------------------------------------------------------------------

// The reconciler's state, as `moda-relay sinks` ends with it; red when its last run failed.
function renderBackfill(backfill) {
  const line = $("backfill");
  let text = "Backfill: off (no Moda API key)";
  let failing = false;
  if (backfill && backfill.enabled) {
    if (!backfill.last_run) {
      text = "Backfill: no run yet";
    } else {
      text = "Backfill: last run " + new Date(backfill.last_run).toLocaleString() + ", " + backfill.last_outcome +
        ": " + backfill.found + " found, " + backfill.requested + " requested, " + backfill.failed + " failed";
      if (backfill.last_error) text += " (" + backfill.last_error + ")";
      failing = backfill.last_outcome !== "ok";
    }
  }
  line.textContent = text;
  line.className = failing ? "error" : "muted";
}

// ---- sinks ----------------------------------------------------------------------------------

function renderSinks(report, activity) {
  state.sinks = report.sinks || [];
  const series = new Map((activity.sinks || []).map((entry) => [entry.name, entry]));
  const body = $("sinks").tBodies[0];
  body.replaceChildren(
    ...state.sinks.map((sink) => {
      const counts = series.get(sink.name);
      const stateCell = el("td", {}, pill(sink.state, stateClass(sink.state)));
      if (sink.state === "running" && isFailing(counts)) stateCell.append(pill("failing", "state-failing"));
      if (sink.reason) stateCell.append(el("span", { class: "reason", text: sink.reason }));
      const dead = el("td", { class: "num" });
      if (sink.dead_letters > 0) {
        const link = el("button", { type: "button", class: "link", text: String(sink.dead_letters) });
        link.addEventListener("click", () => showDeadLettersOf(sink.name));
        dead.append(link);
      } else {
        dead.append("0");
      }
      const error = el("td", { class: "wrap" });
      if (sink.last_error) {
        error.append(el("span", { text: sink.last_error }));
        if (sink.last_error_at) error.append(agoSpan(sink.last_error_at, "reason"));
      }
      const trouble = ["circuit open", "paused"].includes(sink.state) || (sink.state === "running" && isFailing(counts));
      return el(
        "tr",
        { "data-sink": sink.name, class: trouble ? "trouble" : undefined },
        el("td", { class: "mono", text: sink.name }),
        el("td", { text: sink.kind || "" }),
        stateCell,
        el("td", {}, sparkline(counts)),
        el("td", { class: "num", text: sink.spool ? sink.spool.depth : "" }),
        el("td", { class: "num", text: sink.spool ? duration(sink.spool.oldest_undelivered_age_seconds) : "" }),
        el("td", { class: "num", text: sink.in_flight }),
        el("td", { class: "num", text: sink.delivered }),
        dead,
        error,
      );
    }),
  );
  show($("sinks-empty"), state.sinks.length === 0);
  fillSinkChoices($("dead-sink"), state.sinks.filter((sink) => sink.dead_letters > 0 || sink.state !== "orphaned"));
  fillSinkChoices($("deliveries-sink"), state.sinks);
}

/** Failed attempts in the last minute and no delivery: the state may still say running. */
function isFailing(counts) {
  if (!counts) return false;
  const recent = (list) => list.slice(-6).reduce((sum, value) => sum + value, 0);
  return recent(counts.failed) > 0 && recent(counts.delivered) === 0;
}

function sparkline(counts) {
  const width = 120;
  const height = 28;
  const middle = height / 2;
  const graphic = svg("svg", { class: "spark", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  if (!counts) {
    graphic.append(svg("line", { class: "axis", x1: 0, x2: width, y1: middle, y2: middle }));
    return graphic;
  }
  const buckets = counts.delivered.length;
  const peak = Math.max(1, ...counts.delivered, ...counts.failed);
  const step = width / buckets;
  const total = (list) => list.reduce((sum, value) => sum + value, 0);
  const title = svg("title", {});
  title.textContent = `last ${Math.round((buckets * 10) / 60)} min: ${total(counts.delivered)} delivered, ${total(counts.failed)} failed`;
  graphic.append(title);
  graphic.append(svg("line", { class: "axis", x1: 0, x2: width, y1: middle, y2: middle }));
  for (let index = 0; index < buckets; index++) {
    const up = counts.delivered[index];
    const down = counts.failed[index];
    const x = (index * step).toFixed(2);
    const barWidth = Math.max(1, step - 0.6).toFixed(2);
    if (up > 0) {
      const barHeight = Math.max(1, (up / peak) * (middle - 1));
      graphic.append(svg("rect", { class: "delivered", x, y: middle - barHeight, width: barWidth, height: barHeight }));
    }
    if (down > 0) {
      const barHeight = Math.max(1, (down / peak) * (middle - 1));
      graphic.append(svg("rect", { class: "failed", x, y: middle, width: barWidth, height: barHeight }));
    }
  }
  return graphic;
}

function fillSinkChoices(select, sinks) {
  const names = sinks.map((sink) => sink.name);
  const current = select.value;
  const existing = Array.from(select.options).slice(1).map((option) => option.value);
  if (existing.join("\u0000") === names.join("\u0000")) return;
  select.replaceChildren(el("option", { value: "", text: "all sinks" }), ...names.map((name) => el("option", { value: name, text: name })));
  if (current && !names.includes(current)) select.append(el("option", { value: current, text: current }));
  select.value = current;
}

function showDeadLettersOf(name) {
  fillSinkChoices($("dead-sink"), state.sinks);
  $("dead-sink").value = name;
  state.deadOffset = 0;
  refreshDead().catch(reportError);
  $("dead-card").scrollIntoView({ behavior: "smooth" });
}

// ---- deliveries -----------------------------------------------------------------------------

async function refreshDeliveries() {
  const sink = $("deliveries-sink").value;
  const status = $("deliveries-status").value;
  let data;
  try {
    data = await api("/admin/deliveries" + query({ sink, status, limit: 200 }));
  } catch (error) {
    // A sink that stopped running has no attempts to show.
    if (error instanceof ApiError && error.status === 404) data = { deliveries: [] };
    else throw error;
  }
  const key = JSON.stringify(data.deliveries);
  if (key === state.deliveriesKey) return;
  state.deliveriesKey = key;
  renderDeliveries(data.deliveries);
}

function deliveryKey(attempt) {
  return [attempt.sink, attempt.event_id, attempt.attempt, attempt.at].join("\u0000");
}

function renderDeliveries(deliveries) {
  const rows = [];
  for (const attempt of deliveries) {
    const key = deliveryKey(attempt);
    const answer = attempt.status !== null ? "HTTP " + attempt.status : attempt.error || "";
    const row = el(
      "tr",
      { class: "clickable" + (state.openDelivery === key ? " open" : ""), title: "show the answer" },
      timeCell(attempt.at),
      el("td", { class: "mono", text: attempt.sink }),
      el("td", { class: "mono", text: attempt.event_id }),
      el("td", { text: attempt.event_type }),
      el("td", { class: "num", text: attempt.attempt }),
      el("td", {}, pill(attempt.outcome, "outcome-" + attempt.outcome)),
      el("td", { class: "wrap", text: answer }),
      el("td", { class: "num", text: Number(attempt.latency_ms).toFixed(1) + " ms" }),
    );
    activate(row, () => {
      state.openDelivery = state.openDelivery === key ? null : key;
      renderDeliveries(deliveries);
    });
    rows.push(row);
    if (state.openDelivery === key) {
      const detail = el("td", { colspan: 8 });
      if (attempt.error) detail.append(el("p", { class: "error", text: attempt.error }));
      detail.append(el("h3", { text: "Answer excerpt (first 2 KB)" }));
      detail.append(el("pre", { class: "excerpt delivery-excerpt", text: attempt.response_excerpt || "(empty)" }));
      rows.push(el("tr", { class: "detail" }, detail));
    }
  }
  $("deliveries").tBodies[0].replaceChildren(...rows);
  show($("deliveries-empty"), deliveries.length === 0);
}

// ---- dead letters ---------------------------------------------------------------------------

function deadFilter() {
  return { sink: $("dead-sink").value, since: localInput("dead-since"), until: localInput("dead-until") };
}

async function refreshDead() {
  const filter = deadFilter();
  state.deadFetchedAt = Date.now();
  const data = await api("/admin/dead" + query({ ...filter, limit: DEAD_PAGE, offset: state.deadOffset }));
  if (data.dead.length === 0 && state.deadOffset > 0 && data.count > 0) {
    state.deadOffset = Math.max(0, Math.floor((data.count - 1) / DEAD_PAGE) * DEAD_PAGE);
    return refreshDead();
  }
  const key = JSON.stringify([filter, state.deadOffset, data.count, data.dead.map((letter) => [letter.sink, letter.id, letter.dead_at])]);
  if (key === state.deadKey) return;
  state.deadKey = key;
  state.deadCount = data.count;
  state.deadRows = data.dead;
  renderDead();
}

function letterKey(letter) {
  return letter.sink + "\u0000" + letter.id;
}

function renderDead() {
  const letters = state.deadRows;
  $("dead").tBodies[0].replaceChildren(
    ...letters.map((letter) => {
      const key = letterKey(letter);
      const box = el("input", { type: "checkbox", class: "pick", "aria-label": "select " + letter.id });
      box.checked = state.selected.has(key);
      box.addEventListener("click", (event) => event.stopPropagation());
      box.addEventListener("change", () => {
        if (box.checked) state.selected.set(key, { sink: letter.sink, id: letter.id });
        else state.selected.delete(key);
        updateSelection();
      });
      const answer = letter.last_status !== null ? "HTTP " + letter.last_status : letter.last_error || "";
      const row = el(
        "tr",
        { class: "clickable", "data-id": letter.id, "data-sink": letter.sink, title: "open this dead letter" },
        el("td", {}, box),
        timeCell(letter.dead_at),
        el("td", { class: "mono", text: letter.sink }),
        el("td", { class: "mono", text: letter.id }),
        el("td", { text: letter.event_type }),
        el("td", { class: "num", text: letter.attempts }),
        el("td", { class: "wrap", text: answer }),
        el("td", { class: "wrap", text: letter.reason }),
      );
      activate(row, () => openLetter(letter).catch(reportError));
      return row;
    }),
  );
  const first = letters.length ? state.deadOffset + 1 : 0;
  const last = state.deadOffset + letters.length;
  $("dead-count").textContent = `(${state.deadCount})`;
  $("dead-page").textContent = state.deadCount ? `${first}–${last} of ${state.deadCount}` : "";
  $("dead-newer").disabled = state.deadOffset === 0;
  $("dead-older").disabled = last >= state.deadCount;
  show($("dead-empty"), letters.length === 0);
  $("dead-all").checked = letters.length > 0 && letters.every((letter) => state.selected.has(letterKey(letter)));
  updateSelection();
}

function updateSelection() {
  const count = state.selected.size;
  $("replay-selected").disabled = count === 0;
  $("replay-selected").textContent = count ? `Replay selected (${count})` : "Replay selected";
}

function selectPage(checked) {
  for (const letter of state.deadRows) {
    if (checked) state.selected.set(letterKey(letter), { sink: letter.sink, id: letter.id });
    else state.selected.delete(letterKey(letter));
  }
  renderDead();
}

async function openLetter(letter) {
  const data = await api("/admin/dead" + query({ sink: letter.sink, id: letter.id, body: "true", limit: 1 }));
  const full = data.dead[0];
  if (!full) {
    banner(`The dead letter ${letter.id} of ${letter.sink} is no longer there (replayed meanwhile?).`);
    await refreshDead();
    return;
  }
  state.openLetter = full;
  const fields = [
    ["Event id", full.id],
    ["Sink", full.sink],
    ["Type", full.event_type],
    ["Accepted", clock(full.accepted_at)],
    ["Died", clock(full.dead_at)],
    ["Attempts", String(full.attempts)],
    ["Last status", full.last_status === null ? "no answer" : String(full.last_status)],
    ["Last error", full.last_error || ""],
    ["Reason", full.reason],
    ["Body", full.body_bytes + " bytes"],
  ];
  $("letter-fields").replaceChildren(
    ...fields.filter(([, value]) => value !== "").flatMap(([name, value]) => [el("dt", { text: name }), el("dd", { text: value })]),
  );
  $("letter-excerpt").textContent = full.response_excerpt || "(empty)";
  $("letter-history").replaceChildren(
    ...(full.history.length
      ? full.history.map((death) => el("li", { text: `${clock(death.dead_at)}: ${death.reason} (${death.attempts} attempts)` }))
      : [el("li", { class: "muted", text: "none: this is the first time it died" })]),
  );
  $("letter-event").textContent = typeof full.event === "string" ? full.event : JSON.stringify(full.event, null, 2);
  $("letter").showModal();
}

// ---- replay ---------------------------------------------------------------------------------

function bySink(items) {
  const groups = new Map();
  for (const item of items) {
    if (!groups.has(item.sink)) groups.set(item.sink, []);
    groups.get(item.sink).push(item.id);
  }
  return groups;
}

function confirmReplay(text, lines, requests) {
  state.pendingReplay = requests;
  $("confirm-text").textContent = text;
  $("confirm-list").replaceChildren(...lines.slice(0, 20).map((line) => el("li", { class: "mono", text: line })));
  if (lines.length > 20) $("confirm-list").append(el("li", { class: "muted", text: `… and ${lines.length - 20} more` }));
  $("confirm").showModal();
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function replaySelected() {
  const groups = bySink(state.selected.values());
  const requests = Array.from(groups, ([sink, ids]) => ({ sink, ids }));
  const total = state.selected.size;
  const sinks = Array.from(groups.keys());
  confirmReplay(
    `Replay ${plural(total, "dead letter")} of ${sinks.length === 1 ? "sink " + sinks[0] : plural(sinks.length, "sink")}? ` +
      "Each goes back into its sink's spool and is delivered again.",
    Array.from(state.selected.values(), (item) => `${item.sink}: ${item.id}`),
    requests,
  );
}

function replayLetter() {
  const letter = state.openLetter;
  if (!letter) return;
  $("letter").close();
  confirmReplay(`Replay 1 dead letter of sink ${letter.sink}?`, [`${letter.sink}: ${letter.id}`], [{ sink: letter.sink, ids: [letter.id] }]);
}

async function replayRange() {
  const filter = deadFilter();
  const sinks = filter.sink ? [filter.sink] : state.sinks.filter((sink) => sink.dead_letters > 0).map((sink) => sink.name);
  const counted = [];
  for (const sink of sinks) {
    const data = await api("/admin/dead" + query({ sink, since: filter.since, until: filter.until, limit: 1 }));
    if (data.count > 0) counted.push({ sink, count: data.count });
  }
  const total = counted.reduce((sum, entry) => sum + entry.count, 0);
  const when = [filter.since && "after " + clock(filter.since), filter.until && "before " + clock(filter.until)].filter(Boolean).join(" and ");
  if (total === 0) {
    replayResult({ replayed: 0, notFound: 0, failed: [] }, "Nothing to replay: no dead letters match the filter.");
    return;
  }
  confirmReplay(
    `Replay ${plural(total, "dead letter")} (every one that died ${when || "at any time"}, ${filter.sink ? "sink " + filter.sink : "all sinks"})?`,
    counted.map((entry) => `${entry.sink}: ${plural(entry.count, "letter")}`),
    counted.map((entry) => ({ sink: entry.sink, since: filter.since, until: filter.until })),
  );
}

async function runReplay() {
  const requests = state.pendingReplay || [];
  state.pendingReplay = null;
  $("confirm").close();
  const outcome = { replayed: 0, notFound: 0, failed: [] };
  for (const request of requests) {
    const body = { sink: request.sink };
    if (request.ids) body.ids = request.ids;
    if (request.since) body.since = request.since;
    if (request.until) body.until = request.until;
    try {
      const answer = await api("/admin/dead/replay", body);
      outcome.replayed += answer.replayed;
      outcome.notFound += answer.not_found.length;
      for (const [id, reason] of Object.entries(answer.failed || {})) outcome.failed.push(`${request.sink}: ${id}: ${reason}`);
      for (const id of answer.ids) state.selected.delete(request.sink + "\u0000" + id);
      for (const id of answer.not_found) state.selected.delete(request.sink + "\u0000" + id);
    } catch (error) {
      if (error instanceof Unauthorized) return signedOut(error.message);
      outcome.failed.push(`${request.sink}: ${error.message}`);
    }
  }
  replayResult(outcome);
  state.deadKey = "";
  await refreshAll().catch(reportError);
}

function replayResult(outcome, message) {
  const result = $("replay-result");
  const parts = [`Replayed ${outcome.replayed}`, `not found ${outcome.notFound}`];
  if (outcome.failed.length) parts.push(`failed ${outcome.failed.length}: ${outcome.failed.join("; ")}`);
  result.textContent = message || parts.join(", ") + ".";
  result.className = "result" + (outcome.failed.length ? " failed" : outcome.notFound ? " partial" : "");
  show(result, true);
  updateSelection();
}

function reportError(error) {
  if (error instanceof Unauthorized) return signedOut(error.message);
  banner(error.message);
}

// ---- wiring ---------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (event) => signIn(event).catch(reportError));
  $("forget-token").addEventListener("click", forgetToken);
  $("auto-refresh").addEventListener("change", () => (state.signedIn ? startTimer() : undefined));
  $("dead-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    state.deadOffset = 0;
    refreshDead().catch(reportError);
  });
  $("dead-clear").addEventListener("click", () => {
    $("dead-sink").value = "";
    $("dead-since").value = "";
    $("dead-until").value = "";
    state.deadOffset = 0;
    refreshDead().catch(reportError);
  });
  $("dead-sink").addEventListener("change", () => {
    state.deadOffset = 0;
    refreshDead().catch(reportError);
  });
  $("dead-newer").addEventListener("click", () => {
    state.deadOffset = Math.max(0, state.deadOffset - DEAD_PAGE);
    refreshDead().catch(reportError);
  });
  $("dead-older").addEventListener("click", () => {
    state.deadOffset += DEAD_PAGE;
    refreshDead().catch(reportError);
  });
  $("dead-all").addEventListener("change", (event) => selectPage(event.target.checked));
  $("replay-selected").addEventListener("click", replaySelected);
  $("replay-range").addEventListener("click", () => replayRange().catch(reportError));
  $("letter-replay").addEventListener("click", replayLetter);
  $("letter-close").addEventListener("click", () => $("letter").close());
  $("confirm-yes").addEventListener("click", () => runReplay().catch(reportError));
  $("confirm-no").addEventListener("click", () => {
    state.pendingReplay = null;
    $("confirm").close();
  });
  for (const id of ["deliveries-sink", "deliveries-status"]) {
    $(id).addEventListener("change", () => {
      state.deliveriesKey = "";
      state.openDelivery = null;
      refreshDeliveries().catch(reportError);
    });
  }
  $("deliveries-filter").addEventListener("submit", (event) => event.preventDefault());
  start();
});
