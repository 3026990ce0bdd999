// The store screen: the store's live activity (storeActivity), each event with the member's
// tier and greeting cues, so that staff recognise the member as they come in.
import { $, claims, dateTime, fill, h, header, notify, onSubmit, subscribe } from './console.js';
import { MEMBER_CUES, cueTags, tierTags } from './member-view.js';

const ACTIVITY = `subscription Activity($storeId: ID!) {
  storeActivity(storeId: $storeId) {
    kind storeId at
    tierChange { upgrade current { name } }
    member { ${MEMBER_CUES} balance }
  }
}`;
const KINDS = {
  CHECKED_IN: 'Check-in',
  EARNED: 'Purchase',
  REDEEMED: 'Redemption',
  REWARD_USED: 'Voucher used',
  RETURNED: 'Return',
};
const KEEP = 50;

const main = $('main');
document.body.prepend(header('Store screen'));
const storeField = h('input', { id: 'store-id', name: 'storeId', required: true, autocomplete: 'off' });
const form = h('form', { class: 'row', 'aria-label': 'Choose the store' },
  h('div', {}, h('label', { for: 'store-id' }, 'Store'), storeField),
  h('button', { type: 'submit' }, 'Watch'));
const watching = h('p', { id: 'watching', class: 'muted' });
const feed = h('ul', { id: 'activity', class: 'plain', 'aria-live': 'polite', 'aria-label': 'Activity' });
main.append(h('section', {}, form, watching, h('p', { id: 'status', role: 'status' }), feed));

let stop = null;
function watch(storeId) {
  stop?.();
  fill(feed);
  watching.textContent = `Watching ${storeId}: check-ins, purchases, redemptions and returns appear here.`;
  stop = subscribe(ACTIVITY, { storeId }, ({ storeActivity: event }) => show(event));
}

function show(event) {
  const { member } = event;
  const item = h('li', { class: 'flash', 'data-kind': event.kind, 'data-member': member.id },
    h('strong', {}, KINDS[event.kind] ?? event.kind), ' · ',
    h('span', { class: 'name' }, member.displayName ?? member.id), ' ',
    tierTags(member, event.tierChange), cueTags(member),
    h('span', { class: 'muted' }, ` ${member.balance} points · ${dateTime(event.at)}`));
  feed.prepend(item);
  while (feed.children.length > KEEP) feed.lastChild.remove();
}

onSubmit(form, ({ storeId }) => watch(storeId.trim()));
const { store_id: store } = await claims();
if (store) {
  storeField.value = store;
  watch(store);
} else {
  notify('Enter the store to watch.');
}
