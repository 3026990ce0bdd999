// The POS till: find the member by anything they show (card, phone, email, the app's QR
// code), see their card, and act: preview then record a purchase, redeem a reward, use a
// voucher, record a return, check in. The card follows the member live (memberUpdated), so
// points earned or spent anywhere else show at once. Everything is reachable from the
// keyboard: the find field has the focus, Escape brings it back.
import { $, claims, fill, findMember, h, halt, header, newKey, notify, onSubmit, query, subscribe } from './console.js';
import { MEMBER_CARD, memberCard } from './member-view.js';

const FIND = `query Find($ref: MemberRef!) { member(ref: $ref) { ${MEMBER_CARD} } }`;
const REWARDS = `query { program { currency tiers { code } rewards { id name cost minTier available } } }`;
const FOLLOW = `subscription Follow($ref: MemberRef!) {
  memberUpdated(ref: $ref) { version cause { kind channel storeId } member { ${MEMBER_CARD} } }
}`;
const ERROR = '... on Error { code message }';
const PREVIEW = `query Preview($input: PreviewPurchaseInput!) { previewPurchase(input: $input) {
  __typename ${ERROR}
  ... on PurchasePreview { points rules { rule points why } lines { sku points }
    member { balance tier { name } tierProgress { nextTier { name } pointsToNextTier } } } } }`;
const PURCHASE = `mutation Purchase($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  __typename ${ERROR} ... on PointsEarned { entry { points } } } }`;
const REDEEM = `mutation Redeem($input: RedeemRewardInput!) { redeemReward(input: $input) {
  __typename ${ERROR} ... on RewardRedeemed { memberReward { code reward { name } } } } }`;
const USE = `mutation Use($input: UseRewardInput!) { useReward(input: $input) {
  __typename ${ERROR} ... on RewardUsed { memberReward { code reward { name } } } } }`;
const RETURN = `mutation Return($input: ReturnPurchaseInput!) { returnPurchase(input: $input) {
  __typename ${ERROR} ... on PurchaseReturned { entry { points } } } }`;
const CHECK_IN = `mutation CheckIn($input: CheckInInput!) { checkIn(input: $input) {
  __typename ${ERROR} ... on CheckedIn { member { id } } } }`;

const { store_id: storeId } = await claims();
document.body.prepend(header(`POS till${storeId ? ` · ${storeId}` : ''}`));
const main = $('main');
const { program } = await query(REWARDS).catch(halt);
let member = null;
let stopFollowing = null;

// ---- find --------------------------------------------------------------------------
const findField = h('input', { id: 'find', name: 'text', required: true, autocomplete: 'off', autofocus: true,
  'aria-describedby': 'find-help' });
const findForm = h('form', { class: 'row', role: 'search', 'aria-label': 'Find the member' },
  h('div', {}, h('label', { for: 'find' }, 'Member: card, phone, email or app QR code'), findField,
    h('small', { id: 'find-help', class: 'muted' }, 'Scan or type, then Enter. Escape comes back here.')),
  h('button', { type: 'submit' }, 'Find'));
const card = h('section', { id: 'member-card', 'aria-live': 'polite', 'aria-label': 'Member card' },
  h('p', { class: 'muted' }, 'No member yet.'));
const actions = h('div', { id: 'actions', class: 'grid', hidden: true });
main.append(h('section', {}, findForm, h('p', { id: 'status', role: 'status' })), card, actions);

onSubmit(findForm, async ({ text }) => {
  const found = await findMember(text, async (ref) => (await query(FIND, { ref })).member);
  if (!found) throw new Error(`No member found for “${text.trim()}”.`);
  show(found);
  follow(found.id);
  notify(`Found ${found.displayName ?? found.id}.`, 'ok');
  findField.select();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') findField.focus();
});

function show(next) {
  if (member && next.id === member.id && next.version < member.version) return;  // versions only go up
  const changed = member && member.id === next.id && next.version !== member.version;
  member = next;
  fill(card, memberCard(member));
  if (changed) card.classList.add('flash');
  card.addEventListener('animationend', () => card.classList.remove('flash'), { once: true });
  actions.hidden = false;
}

function follow(id) {
  stopFollowing?.();
  // After a merge the server follows the survivor (cause MERGED): the card moves to it.
  stopFollowing = subscribe(FOLLOW, { ref: { id } }, ({ memberUpdated: update }) => show(update.member));
}

const ref = () => ({ id: member.id });
const done = (form, message) => {
  form.querySelector('.form-error')?.replaceChildren();
  notify(message, 'ok');
};

// ---- purchase: preview, then record ------------------------------------------------
const lines = h('tbody', {});
let lineCount = 0;
function addLine(values = {}) {
  lineCount += 1;
  const n = lineCount;
  const cell = (name, label, attributes) => h('td', {},
    h('label', { for: `${name}-${n}`, class: 'visually-hidden' }, `${label}, line ${n}`),
    h('input', { id: `${name}-${n}`, name: `${name}-${n}`, ...attributes }));
  const row = h('tr', { 'data-line': n },
    cell('sku', 'SKU', { required: true, value: values.sku ?? '' }),
    cell('category', 'Category', { required: true, value: values.category ?? '' }),
    cell('quantity', 'Quantity', { type: 'number', min: 1, step: 1, required: true, value: values.quantity ?? 1, inputmode: 'numeric' }),
    cell('price', 'Unit price', { required: true, value: values.price ?? '', inputmode: 'decimal', pattern: '\\d+(\\.\\d{1,2})?' }),
    h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove line ${n}`, onclick: () => { row.remove(); stale(); } }, '×')));
  lines.append(row);
  stale();
}
const orderField = h('input', { id: 'order-id', name: 'orderId', required: true, autocomplete: 'off' });
const previewOut = h('div', { id: 'preview', 'aria-live': 'polite' });
const recordButton = h('button', { type: 'submit', name: 'record', value: 'record', hidden: true }, 'Record purchase');
const purchaseForm = h('form', { id: 'purchase', class: 'card wide', 'aria-label': 'Purchase' },
  h('h2', {}, 'Purchase'),
  h('label', { for: 'order-id' }, 'Order number'), orderField,
  h('table', {}, h('caption', { class: 'visually-hidden' }, 'Lines'),
    h('thead', {}, h('tr', {}, ['SKU', 'Category', 'Qty', `Unit price (${program.currency})`, ''].map((t) => h('th', { scope: 'col' }, t)))),
    lines),
  h('div', { class: 'row' },
    h('button', { type: 'button', class: 'secondary', onclick: () => addLine() }, 'Add line'),
    h('button', { type: 'submit', name: 'preview', value: 'preview' }, 'Preview points'),
    recordButton),
  previewOut);
let previewed = null;  // the cart the shown preview priced; recording needs it unchanged
function stale() {
  previewed = null;
  recordButton.hidden = true;
  fill(previewOut);
}
purchaseForm.addEventListener('input', stale);
function newOrder() {
  orderField.value = `${storeId ?? 'till'}-${Date.now().toString(36).toUpperCase()}`;
  fill(lines);
  addLine();
}
function cart() {
  return [...lines.querySelectorAll('tr')].map((row) => {
    const value = (name) => row.querySelector(`[name^="${name}-"]`).value.trim();
    return { sku: value('sku'), category: value('category'), quantity: Number(value('quantity')), unitPrice: value('price') };
  });
}
onSubmit(purchaseForm, async (fields, submitter) => {
  const sale = { member: ref(), currency: program.currency, channel: 'POS', storeId, lines: cart() };
  if (submitter?.value !== 'record') {
    const { previewPurchase: p } = await query(PREVIEW, { input: sale });
    fill(previewOut, h('p', {}, h('strong', { 'data-preview-points': p.points }, `${p.points} points`),
      ` · balance after: ${p.member.balance} · ${p.member.tier.name}`,
      p.member.tierProgress.nextTier ? ` (${p.member.tierProgress.pointsToNextTier} to ${p.member.tierProgress.nextTier.name})` : ''),
    h('ul', { class: 'plain' }, p.rules.map((rule) => h('li', {}, `${rule.why}`))));
    previewed = JSON.stringify(sale);
    recordButton.hidden = false;
    setTimeout(() => recordButton.focus());  // once the form is enabled again
    return;
  }
  if (previewed !== JSON.stringify(sale)) throw new Error('Preview the points of this cart first.');
  const orderId = fields.orderId.trim();
  const { recordPurchase: r } = await query(PURCHASE, { input: { ...sale, orderId, idempotencyKey: `${orderId}` } });
  done(purchaseForm, `Recorded ${orderId}: +${r.entry.points} points.`);
  newOrder();
});

// ---- redeem, use a voucher, return, check in --------------------------------------
const rewardSelect = h('select', { id: 'reward', name: 'rewardId', required: true },
  program.rewards.map((reward) => h('option', { value: reward.id },
    [`${reward.name} · ${reward.cost} points`,
      reward.minTier !== program.tiers[0].code ? ` · ${reward.minTier} and up` : '',
      reward.available != null ? ` · ${reward.available} left` : ''].join(''))));
const redeemForm = h('form', { id: 'redeem', class: 'card', 'aria-label': 'Redeem a reward' },
  h('h2', {}, 'Redeem a reward'), h('label', { for: 'reward' }, 'Reward'), rewardSelect,
  h('button', { type: 'submit' }, 'Redeem'));
onSubmit(redeemForm, async ({ rewardId }) => {
  const { redeemReward: r } = await query(REDEEM, { input: { member: ref(), rewardId, channel: 'POS', idempotencyKey: newKey('redeem') } });
  done(redeemForm, `Redeemed ${r.memberReward.reward?.name ?? rewardId}: voucher ${r.memberReward.code}.`);
});

const useForm = h('form', { id: 'use-voucher', class: 'card', 'aria-label': 'Use a voucher' },
  h('h2', {}, 'Use a voucher'), h('label', { for: 'voucher-code' }, 'Voucher code'),
  h('input', { id: 'voucher-code', name: 'code', required: true, autocomplete: 'off', autocapitalize: 'characters' }),
  h('button', { type: 'submit' }, 'Use voucher'));
onSubmit(useForm, async ({ code }) => {
  const { useReward: r } = await query(USE, { input: { code: code.trim(), channel: 'POS', storeId } });
  done(useForm, `Voucher ${r.memberReward.code} used: ${r.memberReward.reward?.name ?? ''}.`);
  useForm.reset();
});

const returnForm = h('form', { id: 'return', class: 'card', 'aria-label': 'Record a return' },
  h('h2', {}, 'Return'),
  h('label', { for: 'return-order' }, 'Order returned'), h('input', { id: 'return-order', name: 'orderId', required: true, autocomplete: 'off' }),
  h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'return-sku' }, 'SKU returned'), h('input', { id: 'return-sku', name: 'sku', autocomplete: 'off' })),
    h('div', {}, h('label', { for: 'return-quantity' }, 'Quantity'), h('input', { id: 'return-quantity', name: 'quantity', type: 'number', min: 1, value: 1 }))),
  h('label', { for: 'return-amount' }, `Or the amount returned (${program.currency}), for an order without lines`),
  h('input', { id: 'return-amount', name: 'amount', inputmode: 'decimal', autocomplete: 'off' }),
  h('button', { type: 'submit' }, 'Record return'));
onSubmit(returnForm, async ({ orderId, sku, quantity, amount }) => {
  const input = { orderId: orderId.trim(), idempotencyKey: newKey('return') };
  if (sku.trim()) input.lines = [{ sku: sku.trim(), quantity: Number(quantity) }];
  else input.amount = amount.trim() || null;
  const { returnPurchase: r } = await query(RETURN, { input });
  done(returnForm, `Return recorded: ${r.entry.points} points.`);
  returnForm.reset();
});

const checkInForm = h('form', { id: 'check-in', class: 'card', 'aria-label': 'Check in' },
  h('h2', {}, 'Check in'), h('p', { class: 'muted' }, 'The member is here: the store screen greets them.'),
  h('button', { type: 'submit' }, 'Check in'));
onSubmit(checkInForm, async () => {
  await query(CHECK_IN, { input: { member: ref(), storeId, channel: 'POS' } });
  done(checkInForm, `${member.displayName ?? member.id} checked in.`);
});

actions.append(purchaseForm, redeemForm, useForm, returnForm, checkInForm);
newOrder();
findField.focus();
