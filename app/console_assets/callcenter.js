// The call center: find a member by any identifier, see their card, full history (paged with
// the API's cursors) and messages (why each waited, where it went, why it was suppressed),
// and act (callcenter-actions.js). Everything follows the member live (memberUpdated): the
// card, and the history and messages as far as the agent has paged, refresh on each change.
import { $, dateTime, fill, findMember, h, header, notify, onSubmit, pagedList, query, subscribe } from './console.js';
import { MEMBER_CARD, memberCard } from './member-view.js';
import { actionForms } from './callcenter-actions.js';

const AGENT_CARD = `${MEMBER_CARD}
  messaging { consents { channel consent } timeZone preferredChannels reachableChannels }`;
const FIND = `query Find($ref: MemberRef!) { member(ref: $ref) { ${AGENT_CARD} } }`;
const FOLLOW = `subscription Follow($ref: MemberRef!) {
  memberUpdated(ref: $ref) { version cause { kind } member { ${AGENT_CARD} } }
}`;
const HISTORY = `query History($ref: MemberRef!, $after: String) { member(ref: $ref) {
  history(first: 10, after: $after) {
    edges { cursor node { id kind points channel storeId orderId reason createdAt } }
    pageInfo { hasNextPage endCursor } } } }`;
const MESSAGES = `query Messages($ref: MemberRef!, $after: String) {
  messages(member: $ref, first: 10, after: $after) {
    edges { node { id journey channel status subject createdAt notBefore sentAt
      suppressedReason deferredReason decision detail delivery } }
    pageInfo { hasNextPage endCursor } } }`;

document.body.prepend(header('Call center'));
const main = $('main');
const searchField = h('input', { id: 'search', name: 'text', required: true, autocomplete: 'off', autofocus: true });
const searchForm = h('form', { class: 'row', role: 'search', 'aria-label': 'Find a member' },
  h('div', {}, h('label', { for: 'search' }, 'Member: id, email, phone, card or app device'), searchField),
  h('button', { type: 'submit' }, 'Search'));
const card = h('section', { id: 'member-card', 'aria-live': 'polite', 'aria-label': 'Member card' }, h('p', { class: 'muted' }, 'No member yet.'));
const historyRows = h('tbody', {});
const moreHistory = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older entries');
const history = h('section', { id: 'history', class: 'wide', 'aria-labelledby': 'history-title', hidden: true },
  h('h2', { id: 'history-title' }, 'History'),
  h('table', {}, h('thead', {}, h('tr', {}, ['When', 'What', 'Points', 'Where', 'Order', 'Why'].map((t) => h('th', { scope: 'col' }, t)))), historyRows),
  moreHistory);
const messageList = h('ul', { class: 'plain' });
const moreMessages = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older messages');
const messages = h('section', { id: 'messages', class: 'wide', 'aria-labelledby': 'messages-title', hidden: true },
  h('h2', { id: 'messages-title' }, 'Messages'), messageList, moreMessages);
const actions = h('div', { id: 'actions', class: 'grid', hidden: true });
main.append(h('section', {}, searchForm, h('p', { id: 'status', role: 'status' })),
  h('div', { class: 'grid' }, card, actions), history, messages);

let member = null;
let stop = null;
let agent = null;
const current = () => member;

onSubmit(searchForm, async ({ text }) => {
  const found = await findMember(text, async (ref) => (await query(FIND, { ref })).member);
  if (!found) throw new Error(`No member found for “${text.trim()}”.`);
  open(found);
  notify(`Found ${found.displayName ?? found.id}.`, 'ok');
});

// Show a member (found, or as a change left them) and follow it.
function open(found) {
  const following = member?.id === found.id;
  show(found);
  if (!following) {
    stop?.();
    stop = subscribe(FOLLOW, { ref: { id: found.id } }, ({ memberUpdated: update }) => {
      show(update.member);
      refreshLists();
    });
    refreshLists(true);
  }
}

function show(next) {
  if (member && next.id === member.id && next.version < member.version) return;
  member = next;
  fill(card, memberCard(member), identifierList(member), messagingSummary(member));
  if (!agent) {
    agent = actionForms(current, async () => show((await query(FIND, { ref: { id: member.id } })).member));
    actions.append(...agent.forms);
  }
  agent.update(member);
  actions.hidden = history.hidden = messages.hidden = false;
}

function identifierList(shown) {
  return [h('h3', {}, 'Identifiers'), h('ul', { class: 'plain', id: 'identifiers' },
    shown.identifiers.map((identifier) => h('li', { 'data-identifier': identifier.value }, `${identifier.kind}: ${identifier.value}`)))];
}

function messagingSummary(shown) {
  const { consents, timeZone, preferredChannels, reachableChannels } = shown.messaging;
  return [h('h3', {}, 'Consent and preferences'), h('p', { id: 'consents' },
    consents.map((c) => h('span', { class: `tag ${c.consent === 'OPTED_IN' ? 'good' : c.consent === 'OPTED_OUT' ? 'warn' : ''}`, 'data-consent': `${c.channel}:${c.consent}` }, `${c.channel} ${c.consent.replace('_', ' ').toLowerCase()}`))),
  h('p', { class: 'muted' }, `Time zone: ${timeZone ?? 'the program’s'} · prefers ${preferredChannels.join(', ') || 'no channel in particular'} · reachable on ${reachableChannels.join(', ') || 'nothing yet'}`)];
}

// ---- history and messages, paged by cursor -----------------------------------------
const historyList = pagedList(historyRows, moreHistory, async (after) =>
  (await query(HISTORY, { ref: { id: member.id }, after })).member.history, historyRow);
const messagesList = pagedList(messageList, moreMessages, async (after) =>
  (await query(MESSAGES, { ref: { id: member.id }, after })).messages, ({ node }) => messageItem(node));
function historyRow({ node }) {
  return h('tr', { 'data-entry': node.id, 'data-kind': node.kind },
    h('td', {}, dateTime(node.createdAt)), h('td', {}, node.kind), h('td', {}, `${node.points > 0 ? '+' : ''}${node.points}`),
    h('td', {}, [node.channel, node.storeId].filter(Boolean).join(' · ')), h('td', {}, node.orderId ?? ''), h('td', {}, node.reason ?? ''));
}
function messageItem(message) {
  const where = message.channel ? `on ${message.channel}` : 'no channel';
  const why = message.status === 'SUPPRESSED'
    ? `Suppressed: ${message.suppressedReason ?? ''}${message.detail ? ` (${message.detail})` : ''}`
    : message.status === 'PENDING'
      ? `Waits until ${dateTime(message.notBefore)}${message.deferredReason ? `: ${message.deferredReason}` : ''}`
      : `Went ${where}${message.sentAt ? ` at ${dateTime(message.sentAt)}` : ''}${message.delivery ? `, ${message.delivery.toLowerCase()}` : ''}`;
  return h('li', { 'data-message': message.id, 'data-status': message.status },
    h('strong', {}, message.journey), ' ', h('span', { class: 'tag' }, message.status), ' ', where,
    message.subject ? h('span', {}, ` · “${message.subject}”`) : null,
    h('div', { class: 'why' }, why), message.decision ? h('div', { class: 'muted' }, message.decision) : null);
}

// Messages are decided by the workers just after a change: look again a moment later too.
let later = null;
function refreshLists(another = false) {
  const lists = [historyList, messagesList];
  for (const list of lists) (another ? list.reset : list.reload)();
  clearTimeout(later);
  later = setTimeout(() => lists.forEach((list) => list.reload()), 1500);
}
