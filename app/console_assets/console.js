// What every console shares: the bearer token, GraphQL queries and subscriptions over the
// public API (the same /graphql any client uses), and a few DOM helpers. An ES module served
// as is: no build step, nothing from a CDN (graphql-ws is vendored from npm).
import { createClient } from './vendor/graphql-ws@6.4.2/dist/client.js';

const TOKEN_KEY = 'tessera.token';
let asking = null;

// The bearer token: from the URL fragment (`#token=…`, which the browser never sends to a
// server), kept in sessionStorage for this tab only; else asked for with a labelled form.
// The fragment is taken out of the address bar once read, so it is not left on screen.
export function token() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get('token');
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  }
  const kept = sessionStorage.getItem(TOKEN_KEY);
  if (kept) return Promise.resolve(kept);
  asking ??= askForToken().finally(() => { asking = null; });
  return asking;
}

// For a page that cannot start (a refused token, Tessera unreachable): show why, and stop
// there (`await query(...).catch(halt)` never resolves).
export function halt(error) {
  notify(error.message, 'error');
  return new Promise(() => {});
}

// Forget the token (a refused one, or "change token"): the next call asks again.
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// The claims the page may read to fill in defaults (the POS token's store_id); the server
// checks the token, never this.
export async function claims() {
  try {
    const payload = (await token()).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload));
  } catch {
    return {};
  }
}

function askForToken() {
  return new Promise((resolve) => {
    const field = h('input', { id: 'token-field', name: 'token', type: 'password', required: true, autocomplete: 'off' });
    const dialog = h('dialog', { id: 'token-dialog', 'aria-labelledby': 'token-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'token-title' }, 'Sign in'),
        h('p', {}, 'Paste the bearer token for this console (it is kept for this tab only).'),
        h('label', { for: 'token-field' }, 'Bearer token'),
        field,
        h('button', { type: 'submit' }, 'Use this token')));
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    dialog.querySelector('form').addEventListener('submit', () => {
      const value = field.value.trim();
      sessionStorage.setItem(TOKEN_KEY, value);
      dialog.remove();
      resolve(value);
    });
    document.body.append(dialog);
    dialog.showModal();
    field.focus();
  });
}

// A GraphQL error as the page shows it: the expected error's `message` (a payload union's
// error type, which the document selects with `... on Error { code message }`), or the
// top-level GraphQL error's message. `code` is the error's code when there is one.
export class ApiError extends Error {
  constructor(message, code, typename) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.typename = typename;
  }
}

// POST the document with the bearer token; resolves the data, throws an ApiError for a
// top-level error or for a mutation that answered one of its expected errors.
export async function query(document, variables = {}) {
  const bearer = await token();
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ query: document, variables }),
    });
  } catch {
    throw new ApiError('Tessera cannot be reached; check the connection and retry', 'NETWORK');
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`Tessera answered ${response.status} without GraphQL`, 'HTTP');
  }
  if (body.errors?.length) {
    const [first] = body.errors;
    const code = first.extensions?.code;
    if (code === 'UNAUTHENTICATED') forgetToken();
    throw new ApiError(first.message, code);
  }
  for (const value of Object.values(body.data ?? {})) {
    if (value && typeof value === 'object' && typeof value.code === 'string' && typeof value.message === 'string') {
      throw new ApiError(value.message, value.code, value.__typename);
    }
  }
  return body.data;
}

let client = null;
const liveListeners = new Set();

function socket() {
  client ??= createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: async () => ({ authorization: `Bearer ${await token()}` }),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    keepAlive: 10000,
    on: {
      connected: () => liveListeners.forEach((listener) => listener(true)),
      closed: () => liveListeners.forEach((listener) => listener(false)),
    },
  });
  return client;
}

// Follow a subscription (graphql-transport-ws on this origin, the token in connection_init's
// payload): onNext(data) for each result; onError(error) with an ApiError. Returns a
// function that stops it. The socket reconnects by itself; Tessera sends a snapshot first
// on every subscribe, so a page that reconnects is never stale.
export function subscribe(document, variables, onNext, onError = (error) => notify(error.message, 'error')) {
  return socket().subscribe({ query: document, variables }, {
    next: (result) => {
      if (result.errors?.length) onError(new ApiError(result.errors[0].message, result.errors[0].extensions?.code));
      else onNext(result.data);
    },
    error: (error) => {
      const message = Array.isArray(error) ? error[0]?.message : error?.reason || error?.message;
      onError(new ApiError(message || 'the live connection was closed'));
    },
    complete: () => {},
  });
}

// Called with true when the live connection is up, false when it dropped.
export function onLive(listener) {
  liveListeners.add(listener);
}

// ---- DOM helpers -------------------------------------------------------------------

// h('button', { type: 'submit', onclick }, 'Redeem'): an element with its attributes
// (functions as listeners, booleans as present or absent) and children (text or nodes).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value != null) element.setAttribute(name, String(value));
  }
  element.append(...children.flat().filter((child) => child != null && child !== false));
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);

// Replace an element's children.
export function fill(element, ...children) {
  element.replaceChildren(...children.flat().filter((child) => child != null && child !== false));
  return element;
}

// A short line in the page's status region (role="status", read out by screen readers);
// 'error' ones are alerts, and stay until the next one.
export function notify(message, kind = 'info') {
  const region = $('#status') ?? document.body.appendChild(h('p', { id: 'status', role: 'status' }));
  region.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  region.className = `status ${kind}`;
  region.textContent = message;
}

// Handle a form's submit: the handler gets the form's fields as an object; the submit
// button is disabled meanwhile; an error's message shows in the form's own alert
// (`output[role=alert]`, added if missing) and in the status region.
export function onSubmit(form, handler) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const alert = form.querySelector('.form-error') ?? form.appendChild(h('p', { class: 'form-error', role: 'alert' }));
    alert.textContent = '';
    const buttons = [...form.querySelectorAll('button')].filter((button) => !button.disabled);
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await handler(Object.fromEntries(new FormData(form).entries()), event.submitter);
    } catch (error) {
      alert.textContent = error.message;
      notify(error.message, 'error');
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });
}

// An idempotency key per action (crypto.randomUUID needs a secure context; a tablet on a
// store's network may load the page over plain http).
export function newKey(prefix = 'console') {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// "in 3 days", "in 5 hours", "2 days ago": for countdowns and activity, in the page's language.
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
export function relative(when, now = Date.now()) {
  const seconds = (new Date(when).getTime() - now) / 1000;
  for (const [unit, size] of [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return relativeFormat.format(Math.round(seconds), 'second');
}

export function dateTime(when) {
  return when ? new Date(when).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
}

// A MemberRef from whatever staff typed or scanned, as candidates to try in order: the
// member's id (the app's QR code carries it, bare or as `tessera:member:<id>`), an email, a
// phone number or a card (digits: card first, then phone), else a card or external id.
export function memberRefs(text) {
  const value = text.trim();
  const qr = value.match(/^tessera:member:(.+)$/i);
  if (qr) return [{ id: qr[1] }];
  if (/^mbr_/.test(value)) return [{ id: value }];
  const identifier = (kind) => ({ identifier: { kind, value } });
  if (value.includes('@')) return [identifier('EMAIL')];
  if (value.startsWith('+')) return [identifier('PHONE')];
  if (/^[\d\s\-().]+$/.test(value)) return [identifier('POS_CARD'), identifier('PHONE')];
  return [identifier('POS_CARD'), identifier('EXTERNAL'), identifier('APP_DEVICE')];
}

// The member a text names, trying each candidate reference until one is found: calls
// `find(ref)` (which resolves a member or null); null when none is.
export async function findMember(text, find) {
  let lastError = null;
  for (const ref of memberRefs(text)) {
    try {
      const member = await find(ref);
      if (member) return member;
    } catch (error) {
      lastError = error;  // e.g. a text that is no phone number: try the next kind
    }
  }
  if (lastError && memberRefs(text).length === 1) throw lastError;
  return null;
}

// The header every console shows: its title, the live indicator and "change token".
export function header(title) {
  const live = h('span', { id: 'live', class: 'live off', role: 'status' }, 'offline');
  onLive((up) => {
    live.textContent = up ? 'live' : 'offline';
    live.className = `live ${up ? 'on' : 'off'}`;
  });
  const change = h('button', { type: 'button', class: 'quiet', onclick: () => { forgetToken(); location.reload(); } }, 'Change token');
  return h('header', { class: 'top' }, h('h1', {}, title), live, change);
}

// A list paged by the API's cursors into `rows`, with a `more` button for older pages.
// `reload()` (after a live change) fetches again from the top as many rows as the agent has
// paged to and swaps them in at once; `reset()` goes back to the first page (another member).
// Loads run one after another, so a reload that lands after "older" cannot cut the list
// back to its first page, and "older" always continues from the newest reload's cursor.
export function pagedList(rows, more, fetchPage, render) {
  let cursor = null;
  let shown = 0;
  let queue = Promise.resolve();
  const run = (task) => (queue = queue.then(task).catch((e) => notify(e.message, 'error')));
  const show = (page) => {
    cursor = page.pageInfo.endCursor;
    more.hidden = !page.pageInfo.hasNextPage;
  };
  const refetch = async (wanted) => {
    const edges = [];
    let page = null;
    let after = null;
    do {
      page = await fetchPage(after);
      edges.push(...page.edges);
      after = page.pageInfo.endCursor;
    } while (page.pageInfo.hasNextPage && edges.length < wanted);
    fill(rows, edges.map(render));
    shown = edges.length;
    show(page);
  };
  more.addEventListener('click', () => run(async () => {
    const page = await fetchPage(cursor);
    rows.append(...page.edges.map(render));
    shown += page.edges.length;
    show(page);
  }));
  return {
    reload: () => run(() => refetch(shown)),
    reset: () => run(() => refetch(0)),
  };
}
