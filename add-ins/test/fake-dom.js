// A small DOM for the shared rendering tests: just what render.js and try.js use (create,
// append, attributes, text, events, focus, getElementById, simple selectors), and a serialiser
// so tests can read back the markup.
"use strict";

class FakeText {
  constructor(doc, text) {
    this.ownerDocument = doc;
    this.nodeType = 3;
    this.data = String(text);
    this.parentNode = null;
  }

  get textContent() {
    return this.data;
  }
}

class FakeElement {
  constructor(doc, tag) {
    this.ownerDocument = doc;
    this.nodeType = 1;
    this.tagName = tag.toUpperCase();
    this.attributes = {};
    this.childNodes = [];
    this.parentNode = null;
    this.listeners = {};
    this.hidden = false;
    this.disabled = false;
    this.value = "";
  }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
    if (name === "id") this.ownerDocument.ids.set(String(value), this);
  }

  getAttribute(name) {
    return name in this.attributes ? this.attributes[name] : null;
  }

  get id() {
    return this.getAttribute("id") || "";
  }

  get className() {
    return this.getAttribute("class") || "";
  }

  get classes() {
    return this.className.split(/\s+/).filter(Boolean);
  }

  appendChild(child) {
    if (child.parentNode) child.parentNode.childNodes.splice(child.parentNode.childNodes.indexOf(child), 1);
    child.parentNode = this;
    this.childNodes.push(child);
    return child;
  }

  get children() {
    return this.childNodes.filter((c) => c.nodeType === 1);
  }

  get textContent() {
    return this.childNodes.map((c) => c.textContent).join("");
  }

  set textContent(text) {
    for (const c of this.childNodes) c.parentNode = null;
    this.childNodes = [];
    if (text !== "" && text !== null && text !== undefined) this.appendChild(new FakeText(this.ownerDocument, text));
  }

  addEventListener(type, fn) {
    (this.listeners[type] = this.listeners[type] || []).push(fn);
  }

  dispatch(type, extra = {}) {
    const event = { type, target: this, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; },
      ...extra };
    for (const fn of this.listeners[type] || []) fn(event);
    return event;
  }

  click() {
    return this.dispatch("click");
  }

  focus() {
    this.ownerDocument.activeElement = this;
  }

  select() {
    this.ownerDocument.selected = this;
  }

  /** Descendants matching a compound selector: tag, .class, #id, [attr] (no combinators). */
  querySelectorAll(selector) {
    const parts = selector.match(/^([a-z0-9]*)((?:\.[\w-]+)*)(#[\w-]+)?((?:\[[\w-]+\])*)$/i);
    if (!parts) throw new Error(`fake DOM: unsupported selector ${selector}`);
    const [, tag, cls, id, attrs] = parts;
    const wanted = {
      tag: tag && tag.toUpperCase(),
      classes: cls ? cls.slice(1).split(".") : [],
      id: id && id.slice(1),
      attrs: attrs ? attrs.slice(1, -1).split("][") : [],
    };
    const out = [];
    const walk = (node) => {
      for (const c of node.children) {
        if ((!wanted.tag || c.tagName === wanted.tag) && wanted.classes.every((k) => c.classes.includes(k)) &&
          (!wanted.id || c.id === wanted.id) && wanted.attrs.every((a) => c.getAttribute(a) !== null)) out.push(c);
        walk(c);
      }
    };
    walk(this);
    return out;
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] || null;
  }

  get outerHTML() {
    const attrs = Object.entries(this.attributes).map(([k, v]) => ` ${k}="${v.replace(/"/g, "&quot;")}"`).join("");
    const inner = this.childNodes.map((c) => (c.nodeType === 3 ? escapeText(c.data) : c.outerHTML)).join("");
    return `<${this.tagName.toLowerCase()}${attrs}${this.hidden ? " hidden" : ""}>${inner}</${this.tagName.toLowerCase()}>`;
  }
}

function escapeText(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

class FakeDocument {
  constructor() {
    this.ids = new Map();
    this.activeElement = null;
    this.selected = null;
    this.copies = 0;
    this.body = new FakeElement(this, "body");
  }

  createElement(tag) {
    return new FakeElement(this, tag);
  }

  createTextNode(text) {
    return new FakeText(this, text);
  }

  getElementById(id) {
    const el = this.ids.get(id);
    return el && isAttached(el, this.body) ? el : null;
  }

  execCommand(name) {
    if (name === "copy") this.copies += 1;
    return this.allowCopy !== false;
  }

  /** Add one element per id under body (what a page's static markup provides). */
  scaffold(spec) {
    for (const [id, tag] of Object.entries(spec)) {
      const el = this.createElement(tag);
      el.setAttribute("id", id);
      this.body.appendChild(el);
    }
    return this;
  }
}

function isAttached(el, root) {
  for (let n = el; n; n = n.parentNode) if (n === root) return true;
  return false;
}

/** A window with manual timers (tick to advance) and a settable clock. */
function fakeWindow({ now = 0, fetch = null, clipboard = null, origin = "https://tc.example" } = {}) {
  let seq = 0;
  const intervals = new Map();
  const timeouts = new Map();
  const win = {
    location: { origin },
    navigator: clipboard ? { clipboard } : {},
    AbortController,
    clock: now,
    now: () => win.clock,
    fetch: fetch || (() => Promise.reject(new Error("no fetch"))),
    setInterval(fn, ms) { seq += 1; intervals.set(seq, { fn, ms }); return seq; },
    clearInterval(id) { intervals.delete(id); },
    setTimeout(fn, ms) { seq += 1; timeouts.set(seq, { fn, ms }); return seq; },
    clearTimeout(id) { timeouts.delete(id); },
    intervals,
    /** Move the clock by `ms` and run each interval once per elapsed period. */
    tick(ms) {
      const steps = Math.floor(ms / 1000);
      for (let i = 0; i < steps; i += 1) {
        win.clock += 1000;
        for (const t of [...intervals.values()]) t.fn();
      }
    },
  };
  return win;
}

module.exports = { FakeDocument, FakeElement, fakeWindow };
