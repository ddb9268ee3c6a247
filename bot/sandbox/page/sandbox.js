// The sandbox page: one Telegram-like phone per simulated person, kept live by server-sent
// events. Every action goes through the same JSON API a script would use (see web.py).
"use strict";

const phones = new Map(); // person id -> {root, chat, lastChat, person}
const groups = new Map(); // group id -> {root, chat, lastChat, group, speaker}
let people = [];
let languages = [];

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(payload.error || `${method} ${path}: ${response.status}`);
  return payload;
}

function notify(message) {
  const notice = document.getElementById("notice");
  notice.textContent = message;
  notice.hidden = !message;
}

async function act(action) {
  try {
    notify("");
    const result = await action();
    if (result && result.notice) notify(`Palaver: ${result.notice}`);
  } catch (error) {
    notify(error.message);
  } finally {
    await refresh();
  }
}

function formatTime(iso) {
  return new Date(iso).toLocaleString("en-GB", {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "short",
    hour: "2-digit", minute: "2-digit",
  });
}

// ------------------------------------------------------------------------------ phones

function buildPhone(person) {
  const chat = el("div", { class: "chat", "aria-live": "polite" });
  const input = el("input", {
    type: "text", placeholder: "Message", "aria-label": `Message from ${person.name}`,
    maxlength: "4096", autocomplete: "off",
  });
  const menu = el("ul", { class: "menu", hidden: true });
  const composer = el(
    "form",
    { class: "composer" },
    el("button", {
      type: "button", class: "menu-button", title: "Commands", text: "☰",
      onclick: () => { menu.hidden = !menu.hidden; },
    }),
    input,
    el("button", { type: "submit", class: "send", text: "Send" }),
    menu,
  );
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    act(() => api("POST", `/api/people/${person.id}/messages`, { text }));
  });
  const name = el("div", { class: "name" });
  const role = el("div", { class: "role" });
  const language = el("select", {
    "aria-label": "Language of the Telegram app",
    onchange: () => act(() => api("PATCH", `/api/people/${person.id}`, { language: language.value })),
  });
  const rename = el("button", {
    type: "button", class: "rename", title: "Rename", text: "✎",
    onclick: () => {
      const current = phones.get(person.id).person.name;
      const chosen = window.prompt("New first name (as Telegram would show it to the bot)", current);
      if (chosen && chosen.trim()) {
        act(() => api("PATCH", `/api/people/${person.id}`, { name: chosen.trim() }));
      }
    },
  });
  const avatar = el("div", { class: "avatar" });
  const root = el(
    "section",
    { class: "phone", "data-person": person.name, "data-id": String(person.id) },
    el("div", { class: "phone-head" }, avatar, el("div", { class: "who" }, name, role), language, rename),
    chat,
    composer,
  );
  document.getElementById("phones").append(root);
  const phone = { root, chat, input, menu, name, role, language, avatar, lastChat: "", person };
  phones.set(person.id, phone);
  return phone;
}

function updateHead(phone, person) {
  phone.person = person;
  phone.root.dataset.person = person.name;
  phone.root.setAttribute("dir", person.rtl ? "rtl" : "ltr");
  phone.root.setAttribute("lang", person.language);
  phone.name.textContent = person.name;
  phone.avatar.textContent = person.name.slice(0, 1).toUpperCase();
  const where = person.community ? ` · ${person.community}` : "";
  phone.role.textContent = `${person.role}${where}`;
  if (document.activeElement !== phone.language) {
    phone.language.replaceChildren(
      ...languageOptions(person.language),
    );
    phone.language.value = person.language;
  }
  phone.menu.replaceChildren(
    ...person.menu.map((command) =>
      el("li", {}, el("button", {
        type: "button",
        onclick: () => {
          phone.menu.hidden = true;
          act(() => api("POST", `/api/people/${person.id}/messages`, { text: `/${command.command}` }));
        },
      }, el("span", { class: "command", dir: "ltr", text: `/${command.command}` }),
         el("span", { class: "description", dir: "auto", text: command.description }))),
    ),
  );
}

function languageOptions(selected) {
  const codes = languages.map((l) => l.code);
  const options = languages.map((l) => el("option", { value: l.code, text: `${l.name} (${l.code})` }));
  if (!codes.includes(selected)) options.push(el("option", { value: selected, text: selected }));
  return options;
}

function renderChat(phone, messages, press) {
  const fingerprint = JSON.stringify(messages);
  if (fingerprint === phone.lastChat) return;
  phone.lastChat = fingerprint;
  const atBottom = phone.chat.scrollHeight - phone.chat.scrollTop - phone.chat.clientHeight < 40;
  if (messages.length === 0) {
    const person = phone.person;
    phone.chat.replaceChildren(el("div", { class: "empty" },
      el("p", { dir: "auto", text: person.has_invite
        ? `${person.name} opened an invite link to Palaver.`
        : `${person.name} found Palaver in Telegram.` }),
      el("button", {
        type: "button", class: "start", text: "START",
        onclick: () => act(() => api("POST", `/api/people/${person.id}/start`)),
      })));
    return;
  }
  phone.chat.replaceChildren(...messages.map((message) => renderMessage(message, press)));
  if (atBottom || phone.chat.dataset.fresh !== "no") {
    phone.chat.scrollTop = phone.chat.scrollHeight;
    phone.chat.dataset.fresh = "no";
  }
}

function renderMessage(message, press) {
  const bubble = el("div", { class: "bubble", dir: "auto" });
  if (message.sender) bubble.append(el("span", { class: "sender", text: message.sender.name }));
  if (message.file) {
    if (message.file.kind === "photo") {
      bubble.append(el("img", { src: message.file.url, alt: message.file.name || "photo" }));
    } else {
      bubble.append(el("a", {
        class: "file", href: message.file.url, target: "_blank", rel: "noopener",
        text: message.file.name,
      }));
    }
  }
  if (message.text) bubble.append(document.createTextNode(message.text));
  bubble.append(el("span", {
    class: "meta", text: `${message.edited ? "edited " : ""}${formatTime(message.date)}`,
  }));
  const node = el("div", { class: `message ${message.from}`, "data-message-id": String(message.id) }, bubble);
  if (message.buttons.length) {
    const keyboard = el("div", { class: "keyboard" });
    for (const row of message.buttons) {
      keyboard.append(el("div", { class: "row" }, ...row.map((button) => el("button", {
        type: "button",
        class: button.url ? "inline-button url" : "inline-button",
        dir: "auto",
        text: button.text,
        title: button.url || null,
        onclick: (event) => {
          for (const other of keyboard.querySelectorAll("button")) other.disabled = true;
          event.currentTarget.disabled = true;
          act(() => press(message.id, button.text));
        },
      }))));
    }
    node.append(keyboard);
  }
  return node;
}

// ------------------------------------------------------------------------------ refresh

let refreshing = null;
let again = false;

async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    do {
      again = false;
      const state = await api("GET", "/api/state");
      languages = state.languages;
      document.getElementById("clock").textContent = formatTime(state.clock);
      document.getElementById("clock").setAttribute("datetime", state.clock);
      document.getElementById("program").textContent = state.program ? `· ${state.program}` : "";
      fillAddForm(state);
      for (const person of state.people) {
        const phone = phones.get(person.id) || buildPhone(person);
        updateHead(phone, person);
      }
      await Promise.all(state.people.map(async (person) => {
        const chat = await api("GET", `/api/people/${person.id}/chat`);
        renderChat(phones.get(person.id), chat.messages, (messageId, label) =>
          api("POST", `/api/people/${person.id}/press`, { message_id: messageId, button: label }));
      }));
      people = state.people;
      await Promise.all(state.groups.map(async (group) => {
        const room = groups.get(group.id) || buildGroup(group);
        updateGroup(room, group);
        const chat = await api("GET", `/api/groups/${group.id}/chat`);
        renderChat(room, chat.messages, (messageId, label) =>
          api("POST", `/api/groups/${group.id}/press`, {
            person: Number(room.speaker.value), message_id: messageId, button: label,
          }));
      }));
    } while (again);
  })();
  try { await refreshing; } catch (error) { notify(error.message); } finally { refreshing = null; }
  document.body.dataset.revision = String(Number(document.body.dataset.revision || 0) + 1);
}

function fillAddForm(state) {
  const form = document.getElementById("add-person");
  if (form.contains(document.activeElement)) return;
  form.elements.language.replaceChildren(...languageOptions("en"));
  form.elements.community.replaceChildren(
    ...state.communities.map((c) => el("option", { value: c, text: c })),
    el("option", { value: "", text: "no invite link" }),
  );
}

// ------------------------------------------------------------------------------ groups

function buildGroup(group) {
  const chat = el("div", { class: "chat" });
  const speaker = el("select", { "aria-label": "Speaking as", class: "speaker" });
  const input = el("input", {
    type: "text", placeholder: "Message to the group", "aria-label": `Message in ${group.title}`,
    maxlength: "4096", autocomplete: "off",
  });
  const composer = el("form", { class: "composer" }, speaker, input,
    el("button", { type: "submit", class: "send", text: "Send" }));
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    act(() => api("POST", `/api/groups/${group.id}/messages`, { person: Number(speaker.value), text }));
  });
  const admin = el("input", {
    type: "checkbox",
    onchange: () => act(() => api("PATCH", `/api/groups/${group.id}`, { bot_admin: admin.checked })),
  });
  const title = el("div", { class: "name" });
  const members = el("div", { class: "role" });
  const root = el("section", { class: "phone group", "data-group": group.title },
    el("div", { class: "phone-head" },
      el("div", { class: "avatar", text: "#" }),
      el("div", { class: "who" }, title, members),
      el("label", { class: "admin-toggle", title: "Palaver's administrator rights in this group" },
        admin, document.createTextNode(" admin"))),
    chat, composer);
  document.getElementById("phones").append(root);
  const room = { root, chat, speaker, admin, title, members, lastChat: "", group, person: null };
  groups.set(group.id, room);
  return room;
}

function updateGroup(room, group) {
  room.group = group;
  room.title.textContent = group.title;
  const names = people.filter((p) => group.members.includes(p.id)).map((p) => p.name);
  room.members.textContent = `group · ${names.length} people · Palaver ${group.bot_admin ? "is an admin" : "is a member"}`;
  room.admin.checked = group.bot_admin;
  if (document.activeElement !== room.speaker) {
    const chosen = room.speaker.value;
    room.speaker.replaceChildren(...people
      .filter((p) => group.members.includes(p.id))
      .map((p) => el("option", { value: String(p.id), text: p.name })));
    if (chosen) room.speaker.value = chosen;
  }
}

function listen() {
  const events = new EventSource("/api/events");
  events.addEventListener("changed", () => refresh());
  events.addEventListener("error", () => notify("Lost the sandbox; is it still running?"));
  events.addEventListener("open", () => notify(""));
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll(".jump")) {
    button.addEventListener("click", () => {
      const by = JSON.parse(button.dataset.jump);
      act(() => api("POST", "/api/clock", by));
    });
  }
  document.getElementById("new-group").addEventListener("click", () => {
    const title = window.prompt("Title of the group chat", "Circle by the river");
    if (title && title.trim()) act(() => api("POST", "/api/groups", { title: title.trim() }));
  });
  document.getElementById("add-person").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = form.elements;
    const body = { name: fields.name.value, language: fields.language.value };
    if (fields.community.value) body.community = fields.community.value;
    fields.name.value = "";
    act(() => api("POST", "/api/people", body));
  });
  refresh().then(listen);
});
