/*
 * The guidance assistant's chat widget. Embed it with one line on any page:
 *   <script src="https://HOST/widget.js" data-lang="fr" defer></script>
 * It adds a launcher button and a chat panel inside a shadow root (the host page's styles and
 * scripts are left alone), talks to the gateway over a websocket (reconnecting with backoff, or
 * falling back to HTTP when websockets are blocked), and keeps the conversation's id and token
 * (issued by the server: only this browser can speak in it) in the browser's storage while the
 * conversation itself is kept by the server. After `data-forget-after` minutes without use
 * (30 by default: a shared computer, a library) the next visitor starts a new conversation.
 * Messages are always rendered as text: only http(s) links become clickable.
 */
(function () {
  "use strict";
  // currentScript is null for a module or an injected script: find the tag by its address.
  var script = document.currentScript || document.querySelector("script[src*='widget.js']");
  if (!script || window.__guidanceWidgetLoaded) return;
  window.__guidanceWidgetLoaded = true;

  var ORIGIN = new URL(script.src, location.href).origin;
  var SOCKET_URL = ORIGIN.replace(/^http/, "ws") + "/ws";
  var STORAGE_KEY = "guidance-widget-conversation:" + ORIGIN;
  // A conversation left alone this long starts afresh (a shared computer, a library).
  var FORGET_AFTER_MS = (Number(script.getAttribute("data-forget-after")) || 30) * 60 * 1000;
  var MAX_CHARS = 4000;
  var MAX_DELAY_MS = 30000;
  // Attempts that never opened before deciding websockets are blocked on this network.
  var ATTEMPTS_BEFORE_HTTP = 2;

  var STRINGS = {
    fr: {
      launcher: "Une question sur les formations ?",
      title: "Assistant formations numériques",
      close: "Fermer la conversation",
      log: "Conversation",
      input: "Ton message",
      placeholder: "Écris ta question…",
      send: "Envoyer",
      quick: "Réponses proposées",
      typing: "L'assistant écrit…",
      offline: "Connexion perdue, je réessaie…",
      error: "Ce message n'est pas passé. Réessaie dans un instant.",
      you: "Toi",
      restart: "Nouvelle conversation",
      bot: "Assistant",
      counsellor: "Conseiller",
      intro: "Salut ! Pose-moi ta question sur les formations numériques gratuites à Bruxelles.",
    },
    nl: {
      launcher: "Een vraag over de opleidingen?",
      title: "Assistent digitale opleidingen",
      close: "Gesprek sluiten",
      log: "Gesprek",
      input: "Je bericht",
      placeholder: "Typ je vraag…",
      send: "Versturen",
      quick: "Voorgestelde antwoorden",
      typing: "De assistent typt…",
      offline: "Verbinding verbroken, ik probeer opnieuw…",
      error: "Dit bericht is niet aangekomen. Probeer het zo opnieuw.",
      you: "Jij",
      restart: "Nieuw gesprek",
      bot: "Assistent",
      counsellor: "Begeleider",
      intro: "Hoi! Stel je vraag over de gratis digitale opleidingen in Brussel.",
    },
    en: {
      launcher: "A question about the trainings?",
      title: "Digital trainings assistant",
      close: "Close the conversation",
      log: "Conversation",
      input: "Your message",
      placeholder: "Type your question…",
      send: "Send",
      quick: "Suggested answers",
      typing: "The assistant is typing…",
      offline: "Connection lost, trying again…",
      error: "That message did not go through. Try again in a moment.",
      you: "You",
      restart: "New conversation",
      bot: "Assistant",
      counsellor: "Counsellor",
      intro: "Hi! Ask me about the free digital trainings in Brussels.",
    },
  };

  function pageLanguage() {
    var candidates = [script.getAttribute("data-lang"), document.documentElement.lang];
    for (var i = 0; i < candidates.length; i++) {
      var code = (candidates[i] || "").slice(0, 2).toLowerCase();
      if (STRINGS[code]) return code;
    }
    return null;
  }

  var memoryStorage = {};
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return memoryStorage[key] || null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { memoryStorage[key] = value; }
  }

  // The server issues a conversation's id and token; until then there is none.
  function startConversation() {
    conversationId = null;
    conversationToken = null;
    store(STORAGE_KEY, "");
    store(STORAGE_KEY + ":token", "");
  }
  function keepConversation(id, token) {
    conversationId = id;
    conversationToken = token;
    store(STORAGE_KEY, id);
    store(STORAGE_KEY + ":token", token);
    touch();
  }
  function touch() { store(STORAGE_KEY + ":at", String(Date.now())); }

  var conversationId = stored(STORAGE_KEY);
  var conversationToken = stored(STORAGE_KEY + ":token");
  var lastUsed = Number(stored(STORAGE_KEY + ":at")) || 0;
  if (!/^web-[A-Za-z0-9_-]{20,64}$/.test(conversationId || "") || !conversationToken ||
      Date.now() - lastUsed > FORGET_AFTER_MS) {
    startConversation();
  }
  var hint = pageLanguage();
  // A counsellor's referral link (…?ref=<code>) marks the conversation as coming from it.
  var referral = new URLSearchParams(location.search).get("ref");
  var source = /^[A-Za-z0-9_-]{1,60}$/.test(referral || "") ? "ref-" + referral : null;
  var lang = hint || "en";

  // ----- Interface ---------------------------------------------------------------------------

  // A tag of its own with an inline reset: the page's rules for div or body > * do not reach it.
  var host = document.createElement("guidance-chat-widget");
  host.setAttribute("data-guidance-widget", "");
  host.setAttribute("style", "all:initial");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif}" +
    ".launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;display:flex;align-items:center;gap:8px;" +
    "padding:12px 18px;border:0;border-radius:999px;background:#1d4ed8;color:#fff;font-size:16px;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}" +
    ".launcher:hover{background:#1e40af}" +
    ".panel{position:fixed;right:16px;bottom:80px;z-index:2147483000;width:min(380px,calc(100vw - 32px));" +
    "height:min(560px,calc(100vh - 112px));display:flex;flex-direction:column;background:#fff;color:#0f172a;" +
    "border:1px solid #cbd5e1;border-radius:14px;box-shadow:0 10px 30px rgba(0,0,0,.25);overflow:hidden;font-size:15px}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 12px;background:#1d4ed8;color:#fff}" +
    "h2{margin:0;font-size:16px;font-weight:600}" +
    ".close,.restart{border:0;background:transparent;color:#fff;font-size:22px;line-height:1;width:36px;height:36px;border-radius:8px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.4}" +
    ".bot{align-self:flex-start;background:#f1f5f9;color:#0f172a}" +
    ".user{align-self:flex-end;background:#1d4ed8;color:#fff}" +
    ".counsellor{align-self:flex-start;background:#fef3c7;color:#0f172a;border:1px solid #b45309}" +
    ".who{display:block;font-weight:600;font-size:13px}" +
    ".msg a{color:inherit;text-decoration:underline}" +
    ".sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    ".status{min-height:1.4em;padding:0 12px;color:#475569;font-size:13px}" +
    ".quick{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px 8px}" +
    ".quick button{border:1px solid #1d4ed8;background:#fff;color:#1d4ed8;border-radius:999px;padding:6px 12px;font-size:14px;cursor:pointer}" +
    ".quick button:hover{background:#eff6ff}" +
    "form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e2e8f0}" +
    "textarea{flex:1;resize:none;border:1px solid #64748b;border-radius:10px;padding:8px 10px;font-size:15px;color:#0f172a;background:#fff;max-height:120px}" +
    "textarea::placeholder{color:#475569;opacity:1}" +
    ".send{border:0;border-radius:10px;padding:0 14px;background:#1d4ed8;color:#fff;font-size:15px;cursor:pointer}" +
    "button:focus-visible,textarea:focus-visible,.log:focus-visible,a:focus-visible{outline:3px solid #b45309;outline-offset:2px}" +
    ".header-buttons{display:flex;gap:4px}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100%;border-radius:0;border:0}" +
    ".launcher{right:12px;bottom:12px}}" +
    "@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .15s}}" +
    "</style>" +
    "<button class='launcher' type='button' aria-expanded='false' aria-controls='panel'>" +
    "<svg aria-hidden='true' focusable='false' width='20' height='20' viewBox='0 0 24 24' fill='currentColor'>" +
    "<path d='M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z'/></svg>" +
    "<span class='launcher-label'></span></button>" +
    "<section class='panel' id='panel' role='dialog' aria-labelledby='title' hidden>" +
    "<header><h2 id='title'></h2><div class='header-buttons'>" +
    "<button class='restart' type='button'><span aria-hidden='true'>↺</span></button>" +
    "<button class='close' type='button'><span aria-hidden='true'>×</span></button></div></header>" +
    "<div class='log' role='log' aria-live='polite' aria-relevant='additions' tabindex='0'></div>" +
    "<div class='status' role='status' aria-live='polite'></div>" +
    "<div class='quick' role='group'></div>" +
    "<form><label class='sr-only' for='input'></label>" +
    "<textarea id='input' rows='1' maxlength='" + MAX_CHARS + "' autocomplete='off'></textarea>" +
    "<button class='send' type='submit'></button></form>" +
    "</section>";

  function $(selector) { return root.querySelector(selector); }
  var launcher = $(".launcher");
  var panel = $(".panel");
  var closeButton = $(".close");
  var restartButton = $(".restart");
  var log = $(".log");
  var statusLine = $(".status");
  var quick = $(".quick");
  var form = $("form");
  var input = $("textarea");

  function t(key) { return STRINGS[lang][key]; }

  function applyLanguage(code) {
    if (!STRINGS[code]) return;
    lang = code;
    panel.setAttribute("lang", lang);
    launcher.setAttribute("lang", lang);
    $(".launcher-label").textContent = t("launcher");
    $("#title").textContent = t("title");
    closeButton.setAttribute("aria-label", t("close"));
    restartButton.setAttribute("aria-label", t("restart"));
    restartButton.setAttribute("title", t("restart"));
    log.setAttribute("aria-label", t("log"));
    $("label").textContent = t("input");
    input.setAttribute("placeholder", t("placeholder"));
    $(".send").textContent = t("send");
    quick.setAttribute("aria-label", t("quick"));
  }

  var LINK = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

  // Text nodes only; an anchor is made for http(s) addresses, never from markup in the text.
  function fillText(element, text) {
    var last = 0;
    String(text).replace(LINK, function (url, offset) {
      element.appendChild(document.createTextNode(text.slice(last, offset)));
      var link = document.createElement("a");
      link.href = url;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
      element.appendChild(link);
      last = offset + url.length;
      return url;
    });
    element.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(from, text, record) {
    // What the server also has: compared with a history to redraw only when it differs.
    if (record) rendered.push(from + "\u0000" + text);
    var bubble = document.createElement("div");
    var kind = from === "user" || from === "counsellor" ? from : "bot";
    bubble.className = "msg " + kind;
    var who = document.createElement("span");
    // A counsellor's message says who wrote it; the assistant's and the person's are told
    // apart by their place.
    who.className = kind === "counsellor" ? "who" : "sr-only";
    who.textContent = t(kind === "user" ? "you" : kind) + ": ";
    bubble.appendChild(who);
    fillText(bubble, text);
    log.appendChild(bubble);
    log.scrollTop = log.scrollHeight;
    return bubble;
  }

  function showButtons(buttons) {
    quick.textContent = "";
    (buttons || []).forEach(function (button) {
      var element = document.createElement("button");
      element.type = "button";
      element.textContent = button.title;
      element.addEventListener("click", function () {
        send(button.title, button.payload);
        input.focus();
      });
      quick.appendChild(element);
    });
  }

  function setStatus(text) { statusLine.textContent = text || ""; }

  function showMessages(messages) {
    var lastButtons = [];
    (messages || []).forEach(function (message) {
      addMessage(message.from || "bot", message.text, true);
      // A reply's buttons stay offered after a text-only message; the person's turn ends them.
      if ((message.from || "bot") !== "bot") lastButtons = [];
      else if (message.buttons && message.buttons.length) lastButtons = message.buttons;
    });
    showButtons(lastButtons);
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    connect();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { (panel.hidden ? open : close)(); });
  closeButton.addEventListener("click", close);
  restartButton.addEventListener("click", function () {
    // "New conversation": this device forgets the old one (its id and token).
    startConversation();
    outbox = [];
    showHistory([]);
    if (socket && socket.readyState === 1) hello();
    input.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });

  // ----- Transport: websocket, or HTTP when websockets are blocked ---------------------------

  var socket = null;
  var ready = false; // this socket has said hello and received the history
  var everReady = false;
  var started = false;
  var useHttp = !("WebSocket" in window);
  var failedAttempts = 0;
  var outbox = []; // typed before the connection was ready: {shown, text, bubble}
  var rendered = [];
  var waiting = 0;
  var httpChain = Promise.resolve();

  function typing(on) {
    waiting = on ? waiting + 1 : Math.max(0, waiting - 1);
    setStatus(waiting ? t("typing") : "");
  }

  function showHistory(messages) {
    var signature = messages.map(function (m) { return (m.from || "bot") + "\u0000" + m.text; });
    var same = signature.length === rendered.length &&
      signature.every(function (entry, i) { return entry === rendered[i]; });
    if (same && log.childNodes.length) return;
    // Redrawn at once, not announced message by message again.
    log.setAttribute("aria-busy", "true");
    log.textContent = "";
    rendered = [];
    if (messages.length) showMessages(messages);
    else addMessage("bot", t("intro")).classList.add("intro");
    outbox.forEach(function (item) { log.appendChild(item.bubble); });
    if (outbox.length) showButtons([]);
    log.setAttribute("aria-busy", "false");
  }

  function handleFrame(frame) {
    if (frame.type === "history") {
      if (frame.token) keepConversation(frame.conversation_id, frame.token);
      ready = true;
      everReady = true;
      failedAttempts = 0;
      setStatus(waiting ? t("typing") : "");
      if (frame.language) applyLanguage(frame.language);
      showHistory(frame.messages || []);
      flush();
    } else if (frame.type === "typing") {
      setStatus(t("typing"));
    } else if (frame.type === "reply") {
      typing(false);
      if (frame.language) applyLanguage(frame.language);
      showMessages(frame.messages);
    } else if (frame.type === "error" && frame.code === "unknown_conversation") {
      // Not this browser's conversation (any more): start a new one.
      startConversation();
      showHistory([]);
      if (socket && socket.readyState === 1) hello();
    } else if (frame.type === "error") {
      typing(false);
      setStatus(t("error"));
    }
  }

  function connect() {
    if (started) return;
    started = true;
    if (useHttp) httpHistory();
    else openSocket();
  }

  function hello() {
    ready = false;
    var frame = { type: "hello", lang: hint };
    if (conversationId) { frame.conversation_id = conversationId; frame.token = conversationToken; }
    if (source) frame.source = source;
    socket.send(JSON.stringify(frame));
  }

  function openSocket() {
    try {
      socket = new WebSocket(SOCKET_URL);
    } catch (e) {
      socket = null;
      failedAttempts += 1;
      socketFailed();
      return;
    }
    socket.onopen = hello;
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handleFrame(frame);
    };
    socket.onclose = function (event) {
      // A connection that closes before the history came counts as a failure, so a proxy that
      // accepts and drops websockets leads to the HTTP fallback, not to a reconnection loop.
      if (!ready) failedAttempts += 1;
      // Closed by the server for flooding or an oversized frame: wait longer.
      if (event && (event.code === 1008 || event.code === 1009)) failedAttempts = Math.max(failedAttempts, 3);
      ready = false;
      socket = null;
      waiting = 0;
      socketFailed();
    };
  }

  function socketFailed() {
    if (!everReady && failedAttempts >= ATTEMPTS_BEFORE_HTTP) {
      useHttp = true;
      httpHistory();
      return;
    }
    setStatus(t("offline"));
    var delay = Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, failedAttempts)) * (0.75 + Math.random() / 2);
    setTimeout(openSocket, delay);
  }

  function flush() {
    var items = outbox;
    outbox = [];
    items.forEach(function (item) {
      rendered.push("user\u0000" + item.shown);
      deliver(item.text);
    });
  }

  function deliver(text) {
    touch();
    typing(true);
    if (useHttp) {
      // One after the other, so the replies come back in order.
      httpChain = httpChain.then(function () { return httpSend(text); });
    } else {
      socket.send(JSON.stringify({ type: "message", text: text }));
    }
  }

  function send(shown, text) {
    showButtons([]);
    if (useHttp || (ready && socket && socket.readyState === 1)) {
      addMessage("user", shown, true);
      deliver(text);
    } else {
      outbox.push({ shown: shown, text: text, bubble: addMessage("user", shown) });
      connect();
    }
  }

  function httpConversation() {
    if (conversationId) return Promise.resolve();
    return fetch(ORIGIN + "/api/conversations", { method: "POST" })
      .then(function (response) { if (!response.ok) throw new Error(); return response.json(); })
      .then(function (data) { keepConversation(data.conversation_id, data.token); });
  }

  function httpHistory() {
    httpConversation()
      .then(function () {
        return fetch(ORIGIN + "/api/conversations/" + encodeURIComponent(conversationId), {
          headers: { "x-conversation-token": conversationToken },
        });
      })
      .then(function (response) {
        if (response.status === 403) { startConversation(); return { messages: [] }; }
        return response.ok ? response.json() : { messages: [] };
      })
      .catch(function () { return { messages: [] }; })
      .then(function (data) {
        handleFrame({ type: "history", language: data.language, messages: data.messages });
      });
  }

  function httpSend(text) {
    return httpConversation().then(function () { return httpPost(text); });
  }

  function httpPost(text) {
    var body = { sender: conversationId, token: conversationToken, text: text };
    if (hint) body.lang_hint = hint;
    if (source) body.source = source;
    return fetch(ORIGIN + "/api/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })
      .then(function (response) { if (!response.ok) throw new Error(); return response.json(); })
      .then(function (data) {
        handleFrame({ type: "reply", language: data.language, messages: data.messages });
      })
      .catch(function () { handleFrame({ type: "error" }); });
  }

  applyLanguage(lang);
  function mount() { document.body.appendChild(host); }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
