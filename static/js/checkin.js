/* The check-in desk (events/checkin/page.html): scan ticket QR codes with the camera or find
   a name, on a phone with a poor network.

   Every check-in goes into a queue kept in localStorage (an id made here, the token and the
   time of the scan) and shows at once as "queued"; a sync loop posts the queue to the server,
   removes what it acknowledged and retries with a growing delay while the network is down.
   Nothing is lost on a reload: the queue and the roster (to search names offline) are kept.
   Configuration comes from the JSON block #checkin-config; no inline script or style. */
(function () {
  "use strict";

  const configElement = document.getElementById("checkin-config");
  if (!configElement) return;
  const config = JSON.parse(configElement.textContent);
  const S = config.strings;
  const QUEUE_KEY = "osmose-checkin-queue-" + config.eventId;
  const ROSTER_KEY = "osmose-checkin-roster-" + config.eventId;
  const LOG_KEY = "osmose-checkin-log-" + config.eventId;
  const BATCH = 100;
  const MAX_BACKOFF = 60000;
  const REFRESH_EVERY = 30000;
  const SAME_SCAN_PAUSE = 4000;

  const $ = function (selector) { return document.querySelector(selector); };
  const counterElement = $("[data-checkin-counter]");
  const networkElement = $("[data-checkin-network]");
  const queueElement = $("[data-checkin-queue]");
  const resultsElement = $("[data-checkin-results]");
  const logSection = $("[data-checkin-log-section]");
  const logElement = $("[data-checkin-log]");
  const feedbackElement = $("[data-checkin-feedback]");
  const searchForm = $("[data-checkin-search-form]");
  const searchInput = searchForm ? searchForm.querySelector("input[type=search]") : null;

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function load(key, fallback) {
    try {
      const value = JSON.parse(window.localStorage.getItem(key));
      return value === null ? fallback : value;
    } catch (error) {
      return fallback;
    }
  }

  function store(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Storage full or disabled (private browsing): the queue still lives in this page.
    }
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function timeOf(iso) {
    const date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function normalise(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Names and tickets stay on the phone for the event only: a roster older than this goes.
  const ROSTER_LIFETIME = 3 * 24 * 3600 * 1000;

  let queue = load(QUEUE_KEY, []);
  let roster = load(ROSTER_KEY, null); // {complete, savedAt, results: [...]}
  if (roster && !(Date.now() - roster.savedAt < ROSTER_LIFETIME)) {
    roster = null;
    store(ROSTER_KEY, null);
    store(LOG_KEY, []);
  }
  let log = load(LOG_KEY, []);
  let counts = config.counts;
  let state = navigator.onLine === false ? "offline" : "online";
  let sending = false;
  let backoff = 0;
  let retryTimer = null;

  // --- Status: counter, network, queue --------------------------------------------------------

  function render() {
    counterElement.textContent = format(S.counter, {
      checked: counts.checked_in,
      confirmed: counts.confirmed,
    });
    networkElement.hidden = false;
    networkElement.className = "checkin-network checkin-network-" + state;
    networkElement.textContent =
      state === "online" ? S.online : state === "login" ? S.loginNeeded : S.offline;
    queueElement.hidden = queue.length === 0;
    queueElement.textContent = format(S.queuedCount, { count: queue.length });
    renderLog();
  }

  function setState(next) {
    state = next;
    render();
  }

  function renderLog() {
    logSection.hidden = log.length === 0;
    logElement.replaceChildren();
    log.slice(0, 30).forEach(function (entry) {
      const item = element("li", "checkin-log-item checkin-log-" + entry.result);
      item.append(element("strong", "checkin-name", entry.name || entry.token.slice(0, 8)));
      item.append(element("span", "checkin-log-time", timeOf(entry.at)));
      const text = entry.result === "queued" ? S.queued : entry.message || S[entry.result] || "";
      item.append(element("span", "checkin-log-result", text));
      logElement.append(item);
    });
  }

  function remember(entry) {
    log = [entry].concat(log.filter(function (e) { return e.id !== entry.id; })).slice(0, 100);
    store(LOG_KEY, log);
  }

  // --- The queue and its sync loop -------------------------------------------------------------

  function queued(token) {
    return queue.some(function (item) { return item.token === token; });
  }

  function rosterEntry(token) {
    if (!roster) return null;
    return roster.results.find(function (entry) { return entry.token === token; }) || null;
  }

  function enqueue(token, name) {
    queue = load(QUEUE_KEY, queue); // another tab may have changed it
    if (queued(token)) return false;
    const item = { id: newId(), token: token, at: new Date().toISOString(), name: name || "" };
    queue.push(item);
    store(QUEUE_KEY, queue);
    remember({ id: item.id, token: token, name: item.name, at: item.at, result: "queued" });
    render();
    refreshResults();
    flush();
    return true;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function scheduleRetry() {
    window.clearTimeout(retryTimer);
    backoff = Math.min(backoff ? backoff * 2 : 2000, MAX_BACKOFF);
    retryTimer = window.setTimeout(flush, backoff);
  }

  function acknowledge(batch, results) {
    const byId = {};
    results.forEach(function (result) { byId[result.id] = result; });
    const done = new Set();
    batch.forEach(function (item) {
      const result = byId[item.id];
      if (!result) return;
      done.add(item.id);
      let outcome = result.result;
      // A replay of a scan whose answer was lost: the first check-in is this very scan.
      if (outcome === "already" && Math.abs(Date.parse(result.checked_in_at) - Date.parse(item.at)) < 2000) {
        outcome = "ok";
      }
      const message = outcome === "already" ? format(S.already, { time: timeOf(result.checked_in_at) })
        : outcome === "ok" ? S.ok : result.message || S[outcome] || "";
      remember({
        id: item.id, token: item.token, name: result.name || item.name, at: item.at,
        result: outcome, message: message,
      });
      const entry = rosterEntry(item.token);
      if (entry && result.checked_in_at) entry.checked_in_at = result.checked_in_at;
    });
    queue = load(QUEUE_KEY, queue).filter(function (item) { return !done.has(item.id); });
    store(QUEUE_KEY, queue);
    if (roster) store(ROSTER_KEY, roster);
  }

  async function flush() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    queue = load(QUEUE_KEY, queue);
    if (sending || queue.length === 0) return;
    sending = true;
    const batch = queue.slice(0, BATCH);
    try {
      const response = await fetch(config.syncUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "Accept": "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify({
          items: batch.map(function (item) { return { id: item.id, token: item.token, at: item.at }; }),
        }),
      });
      const json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || response.status === 403 || !json) {
        // Redirected to the login page, or the CSRF token changed: keep the queue.
        sending = false;
        setState("login");
        scheduleRetry();
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      acknowledge(batch, data.results || []);
      counts = data.counts || counts;
      backoff = 0;
      sending = false;
      setState("online");
      refreshResults();
      if (queue.length) flush();
    } catch (error) {
      sending = false;
      setState("offline");
      scheduleRetry();
    }
  }

  async function loadRoster() {
    try {
      const response = await fetch(config.searchUrl + "?q=", {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
      });
      const json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.redirected || !json) {
        setState("login");
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      roster = { complete: data.complete, savedAt: Date.now(), results: data.results };
      store(ROSTER_KEY, roster);
      if (!queue.length) counts = data.counts;
      if (state !== "online") setState("online");
      else render();
      refreshResults();
    } catch (error) {
      setState("offline");
    }
  }

  // --- Name search ------------------------------------------------------------------------------

  let lastQuery = searchInput ? searchInput.value.trim() : "";
  let serverResults = null;

  function localMatches(query) {
    const words = normalise(query).split(/\s+/).filter(Boolean);
    return roster.results.filter(function (entry) {
      const haystack = normalise(entry.name + " " + entry.organisation);
      return words.every(function (word) { return haystack.indexOf(word) !== -1; }) ||
        (query.length >= 6 && entry.token.indexOf(query) === 0);
    }).slice(0, 30);
  }

  function renderResults(entries) {
    resultsElement.replaceChildren();
    if (!lastQuery) return;
    if (!entries.length) {
      resultsElement.append(element("p", "empty", S.noResults));
      return;
    }
    const list = element("ul", "checkin-results");
    entries.forEach(function (entry) {
      const item = element("li", "checkin-person");
      const text = element("div", "checkin-person-text");
      text.append(element("strong", "checkin-name", entry.name));
      if (entry.organisation) text.append(element("span", "checkin-org", entry.organisation));
      const waiting = queued(entry.token);
      const label = waiting ? S.queued
        : entry.checked_in_at ? format(S.checkedInAt, { time: timeOf(entry.checked_in_at) })
        : entry.status_label;
      text.append(element("span", "checkin-state checkin-state-" + (waiting ? "queued" : entry.status), label));
      item.append(text);
      if (entry.status === "confirmed" && !entry.checked_in_at && !waiting) {
        const button = element("button", "button button-primary button-big", S.checkIn);
        button.type = "button";
        button.append(element("span", "visually-hidden", " " + entry.name));
        button.addEventListener("click", function () { enqueue(entry.token, entry.name); });
        item.append(button);
      }
      list.append(item);
    });
    resultsElement.append(list);
  }

  async function search(query) {
    lastQuery = query.trim();
    if (!lastQuery) {
      renderResults([]);
      return;
    }
    if (roster && roster.complete) {
      renderResults(localMatches(lastQuery));
      return;
    }
    try {
      const asked = lastQuery;
      const response = await fetch(config.searchUrl + "?q=" + encodeURIComponent(asked), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const data = await response.json();
      if (asked !== lastQuery) return;
      serverResults = data.results;
      renderResults(serverResults);
    } catch (error) {
      if (roster) renderResults(localMatches(lastQuery));
      setState("offline");
    }
  }

  function refreshResults() {
    if (!lastQuery) return;
    if (roster && roster.complete) renderResults(localMatches(lastQuery));
    else if (serverResults) renderResults(serverResults);
  }

  if (searchForm) {
    let debounce = null;
    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      search(searchInput.value);
    });
    searchInput.addEventListener("input", function () {
      window.clearTimeout(debounce);
      debounce = window.setTimeout(function () { search(searchInput.value); }, 200);
    });
  }

  // The server-rendered buttons (a search made before the script ran) queue too.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-checkin-form]");
    if (!form) return;
    event.preventDefault();
    enqueue(form.elements.token.value, form.dataset.name);
  });

  // --- Walk-ins need the network -----------------------------------------------------------------

  const walkIn = $("[data-checkin-walk-in]");
  if (walkIn) {
    walkIn.addEventListener("submit", function (event) {
      const status = walkIn.querySelector("[data-checkin-walk-in-status]");
      if (navigator.onLine === false) {
        event.preventDefault();
        status.textContent = S.walkInOffline;
        status.hidden = false;
      } else {
        status.hidden = true;
      }
    });
  }

  // Closing the attendance with scans still queued would turn these people into no-shows.
  const closeForm = $("[data-checkin-close]");
  if (closeForm) {
    closeForm.addEventListener("submit", function (event) {
      const status = closeForm.querySelector("[data-checkin-close-status]");
      queue = load(QUEUE_KEY, queue);
      status.hidden = queue.length === 0;
      if (queue.length) {
        event.preventDefault();
        status.textContent = S.closeWithQueue;
        flush();
      }
    });
  }

  // --- The camera scanner -------------------------------------------------------------------------

  const scanner = $("[data-checkin-scanner]");
  const video = $("[data-checkin-video]");
  const viewport = $("[data-checkin-viewport]");
  const cameraButton = $("[data-checkin-camera]");
  const cameraStatus = $("[data-checkin-camera-status]");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let stream = null;
  let lastToken = "";
  let lastTokenAt = 0;
  let lastDecode = 0;
  let lastWarning = 0;

  function feedback(text, kind) {
    feedbackElement.replaceChildren(element("p", "checkin-feedback-" + kind, text));
  }

  function cameraMessage(text, failed) {
    cameraStatus.textContent = text;
    cameraStatus.className = "scanner-status" + (failed ? " scanner-status-error" : "");
  }

  function cameraError(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "SecurityError":
        return S.cameraDenied;
      case "NotFoundError":
      case "OverconstrainedError":
        return S.cameraMissing;
      case "NotReadableError":
      case "AbortError":
        return S.cameraBusy;
      default:
        return S.cameraError;
    }
  }

  function onCode(text) {
    const prefix = config.ticketPrefix;
    if (text.slice(0, prefix.length).toUpperCase() !== prefix.toUpperCase()) {
      if (Date.now() - lastWarning > SAME_SCAN_PAUSE) {
        lastWarning = Date.now();
        feedback(S.notATicket, "error");
      }
      return;
    }
    const token = text.slice(prefix.length).trim();
    if (token === lastToken && Date.now() - lastTokenAt < SAME_SCAN_PAUSE) return;
    lastToken = token;
    lastTokenAt = Date.now();
    const entry = rosterEntry(token);
    const name = entry ? entry.name : "";
    if (navigator.vibrate) navigator.vibrate(80);
    if (entry && entry.checked_in_at) {
      feedback(name + " · " + format(S.already, { time: timeOf(entry.checked_in_at) }), "warning");
    } else if (entry && entry.status !== "confirmed") {
      feedback(name + " · " + entry.status_label, "error");
    } else {
      feedback(format(S.scanned, { name: name || token.slice(0, 8) }), "ok");
    }
    // The server has the last word (the roster may be out of date): queue it anyway.
    enqueue(token, name);
  }

  function tick(now) {
    if (!stream) return;
    if (now - lastDecode > 150 && video.readyState >= video.HAVE_ENOUGH_DATA && window.jsQR) {
      lastDecode = now;
      const scale = Math.min(1, 640 / video.videoWidth);
      const width = Math.floor(video.videoWidth * scale);
      const height = Math.floor(video.videoHeight * scale);
      canvas.width = width;
      canvas.height = height;
      context.drawImage(video, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      const code = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
      if (code && code.data) onCode(code.data);
    }
    window.requestAnimationFrame(tick);
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    viewport.hidden = true;
    cameraButton.textContent = S.startCamera;
    cameraMessage("", false);
  }

  async function startCamera() {
    if (!window.isSecureContext) {
      cameraMessage(S.cameraInsecure, true);
      return;
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
      cameraMessage(S.cameraUnsupported, true);
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } },
        audio: false,
      });
    } catch (error) {
      stream = null;
      cameraMessage(cameraError(error), true);
      return;
    }
    video.srcObject = stream;
    viewport.hidden = false;
    try {
      await video.play();
    } catch (error) {
      stopCamera();
      cameraMessage(cameraError(error), true);
      return;
    }
    cameraButton.textContent = S.stopCamera;
    cameraMessage(S.cameraRunning, false);
    window.requestAnimationFrame(tick);
  }

  if (scanner) {
    scanner.hidden = false;
    if (!window.isSecureContext) cameraMessage(S.cameraInsecure, true);
    cameraButton.addEventListener("click", function () {
      if (stream) stopCamera();
      else startCamera();
    });
    document.addEventListener("visibilitychange", function () {
      // A hidden page keeps no camera running (battery, and the light says it is on).
      if (document.hidden && stream) stopCamera();
    });
  }

  // --- Start ---------------------------------------------------------------------------------------

  window.addEventListener("online", function () {
    backoff = 0;
    flush();
    loadRoster();
  });
  window.addEventListener("offline", function () { setState("offline"); });
  window.addEventListener("storage", function (event) {
    // Another tab of the same desk: show its queue and log too.
    if (event.key === QUEUE_KEY) queue = load(QUEUE_KEY, []);
    if (event.key === LOG_KEY) log = load(LOG_KEY, []);
    render();
  });
  window.setInterval(function () {
    if (document.hidden) return;
    if (queue.length) flush();
    else if (state !== "offline" || navigator.onLine !== false) loadRoster();
  }, REFRESH_EVERY);

  render();
  loadRoster();
  flush();
})();
