// The call center's actions on the member shown: adjust points with a reason, link an
// identifier, merge a duplicate after previewing the result, edit consent and preferences.
// Each form shows the API's own message when the action is refused.
import { findMember, fill, h, newKey, notify, onSubmit, query } from './console.js';

const ERROR = '... on Error { code message }';
const ADJUST = `mutation Adjust($input: AdjustPointsInput!) { adjustPoints(input: $input) {
  __typename ${ERROR} ... on PointsAdjusted { entry { points } } } }`;
const LINK = `mutation Link($input: LinkIdentifierInput!) { linkIdentifier(input: $input) {
  __typename ${ERROR} ... on IdentifierLinked { member { id } } } }`;
const LOOKUP = `query Lookup($ref: MemberRef!) { member(ref: $ref) { id displayName } }`;
const PREVIEW_MERGE = `query PreviewMerge($input: MergeMembersInput!) { previewMerge(input: $input) {
  __typename ${ERROR}
  ... on MergePreview {
    member { balance pendingBalance tier { name } rewards { status } identifiers { kind value } }
    duplicate { id displayName balance tier { name } } } } }`;
const MERGE = `mutation Merge($input: MergeMembersInput!) { mergeMembers(input: $input) {
  __typename ${ERROR} ... on MembersMerged { member { id } } } }`;
const CONSENT = `mutation Consent($input: SetConsentInput!) { setConsent(input: $input) {
  __typename ${ERROR} ... on ConsentRecorded { messaging { timeZone } } } }`;
const PREFERENCES = `mutation Preferences($input: SetPreferencesInput!) { setPreferences(input: $input) {
  __typename ${ERROR} ... on PreferencesChanged { messaging { timeZone } } } }`;
const KINDS = ['EMAIL', 'PHONE', 'POS_CARD', 'APP_DEVICE', 'WEB_COOKIE', 'EXTERNAL'];
const CHANNELS = ['EMAIL', 'SMS', 'PUSH', 'WALLET'];
const CONSENTS = ['OPTED_IN', 'OPTED_OUT', 'UNKNOWN'];

const field = (id, label, attributes = {}) => [h('label', { for: id }, label), h('input', { id, name: id, autocomplete: 'off', ...attributes })];

// `current()` is the member shown, `reload()` reads it again (consent lives beside the member
// and changes no member version, so no memberUpdated follows it). Returns the forms, and
// `update(member)` to call when the member shown changes (the consent form follows it).
export function actionForms(current, reload) {
  const ref = () => ({ id: current().id });

  const adjust = h('form', { id: 'adjust', class: 'card', 'aria-label': 'Adjust points' }, h('h2', {}, 'Adjust points'),
    field('adjust-points', 'Points (negative to take back)', { type: 'number', step: 1, required: true, inputmode: 'numeric' }),
    field('adjust-reason', 'Reason', { required: true }),
    h('button', { type: 'submit' }, 'Adjust'));
  onSubmit(adjust, async (values) => {
    const input = { member: ref(), points: Number(values['adjust-points']), reason: values['adjust-reason'], idempotencyKey: newKey('adjust') };
    const { adjustPoints: r } = await query(ADJUST, { input });
    notify(`Adjusted: ${r.entry.points > 0 ? '+' : ''}${r.entry.points} points.`, 'ok');
    adjust.reset();
  });

  const link = h('form', { id: 'link', class: 'card', 'aria-label': 'Link an identifier' }, h('h2', {}, 'Link an identifier'),
    h('label', { for: 'link-kind' }, 'Kind'),
    h('select', { id: 'link-kind', name: 'kind' }, KINDS.map((kind) => h('option', { value: kind }, kind))),
    field('link-value', 'Identifier', { required: true }),
    h('button', { type: 'submit' }, 'Link'));
  onSubmit(link, async (values) => {
    await query(LINK, { input: { member: ref(), identifier: { kind: values.kind, value: values['link-value'] } } });
    notify(`Linked ${values.kind} ${values['link-value']}.`, 'ok');
    link.reset();
  });

  // Merge: find the duplicate, preview what the survivor (the member shown) would hold, then merge.
  const mergeOut = h('div', { id: 'merge-preview', 'aria-live': 'polite' });
  const mergeButton = h('button', { type: 'submit', name: 'merge', value: 'merge', hidden: true }, 'Merge');
  let previewed = null;
  const merge = h('form', { id: 'merge', class: 'card', 'aria-label': 'Merge a duplicate' }, h('h2', {}, 'Merge a duplicate'),
    field('merge-duplicate', 'Duplicate: id, email, phone or card', { required: true }),
    h('div', { class: 'row' }, h('button', { type: 'submit', name: 'preview', value: 'preview' }, 'Preview merge'), mergeButton),
    mergeOut);
  merge.addEventListener('input', () => { previewed = null; mergeButton.hidden = true; fill(mergeOut); });
  onSubmit(merge, async (values, submitter) => {
    if (submitter?.value === 'merge' && previewed) {
      const { mergeMembers: r } = await query(MERGE, { input: previewed });
      notify(`Merged: ${r.member.id} now holds everything.`, 'ok');
      previewed = null;
      mergeButton.hidden = true;
      fill(mergeOut);
      merge.reset();
      return;
    }
    const text = values['merge-duplicate'];
    const duplicate = await findMember(text, async (dupRef) => (await query(LOOKUP, { ref: dupRef })).member);
    if (!duplicate) throw new Error(`No member found for “${text.trim()}”.`);
    const input = { survivor: ref(), duplicate: { id: duplicate.id } };
    const { previewMerge: p } = await query(PREVIEW_MERGE, { input });
    const vouchers = p.member.rewards.filter((reward) => reward.status === 'ACTIVE').length;
    fill(mergeOut,
      h('p', {}, `${p.duplicate.displayName ?? p.duplicate.id} (${p.duplicate.balance} points, ${p.duplicate.tier.name}) would be folded into ${current().displayName ?? current().id}, leaving:`),
      h('ul', { class: 'plain' },
        h('li', { 'data-merged-balance': p.member.balance }, `${p.member.balance} points${p.member.pendingBalance ? ` (+${p.member.pendingBalance} pending)` : ''}`),
        h('li', {}, `Tier: ${p.member.tier.name}`),
        h('li', {}, `${vouchers} voucher${vouchers === 1 ? '' : 's'} to use`),
        h('li', {}, `Identifiers: ${p.member.identifiers.map((i) => i.value).join(', ')}`)));
    previewed = input;
    mergeButton.textContent = `Merge into ${current().displayName ?? current().id}`;
    mergeButton.hidden = false;
    setTimeout(() => mergeButton.focus());
  });

  const consentSelects = CHANNELS.map((channel) => h('select', { id: `consent-${channel}`, name: channel },
    CONSENTS.map((consent) => h('option', { value: consent, disabled: consent === 'UNKNOWN' },
      consent === 'UNKNOWN' ? 'not asked' : consent.replace('_', ' ').toLowerCase()))));
  const consent = h('form', { id: 'consent', class: 'card', 'aria-label': 'Consent and preferences' }, h('h2', {}, 'Consent and preferences'),
    h('div', { class: 'row' }, CHANNELS.map((channel, i) => h('div', {}, h('label', { for: `consent-${channel}` }, channel), consentSelects[i]))),
    field('time-zone', 'Time zone (IANA, e.g. Europe/Paris)'),
    field('preferred', 'Preferred channels, most wanted first (e.g. PUSH, EMAIL)'),
    h('button', { type: 'submit' }, 'Save'));
  const known = new Map();
  onSubmit(consent, async (values) => {
    // A channel never asked stays so (its select's value is the disabled 'not asked'): left out.
    const changed = CHANNELS.filter((channel) => values[channel] && values[channel] !== known.get(channel));
    for (const channel of changed) {
      await query(CONSENT, { input: { member: ref(), channel, consent: values[channel] } });
    }
    const preferredChannels = values.preferred.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase());
    await query(PREFERENCES, { input: { member: ref(), timeZone: values['time-zone'].trim() || null, preferredChannels } });
    edited.clear();
    await reload();
    notify('Consent and preferences saved.', 'ok');
  });

  // Keep the consent form on what the member's profile says, but for the fields the agent
  // has touched since the last save: a live change (a message sent, another surface) never
  // undoes an edit in progress.
  const edited = new Set();
  consent.addEventListener('input', (event) => edited.add(event.target.id));
  consent.addEventListener('change', (event) => edited.add(event.target.id));
  const follow = (id, value) => {
    const input = consent.querySelector(`#${id}`);
    if (input && !edited.has(id)) input.value = value;
  };
  let shownId = null;
  function update(member) {
    if (shownId !== member.id) edited.clear();
    shownId = member.id;
    for (const { channel, consent: value } of member.messaging.consents) {
      known.set(channel, value);
      follow(`consent-${channel}`, value);
    }
    follow('time-zone', member.messaging.timeZone ?? '');
    follow('preferred', member.messaging.preferredChannels.join(', '));
  }
  return { forms: [adjust, link, merge, consent], update };
}
