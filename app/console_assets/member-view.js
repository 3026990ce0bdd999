// The member view as several consoles show it: the same fields and the same rendering of the
// tier (with its celebration flag), the greeting cues, vouchers and countdowns.
import { dateTime, h, relative } from './console.js';

// The fields of a member's card; spread into a document's member selection.
export const MEMBER_CARD = `
  id version displayName balance pendingBalance
  identifiers { kind value }
  tier { code name }
  tierProgress { qualifyingPoints nextTier { name } pointsToNextTier requalifyBy }
  greeting { newMember birthdayWeek winBack tierReachedAt tierChangedRecently }
  rewards { id code status expiresAt usedAt reward { id name } }
  countdowns { kind label pointsRemaining deadline }
`;

// The fewer fields the store screen needs for each event.
export const MEMBER_CUES = `
  id displayName balance
  tier { code name }
  greeting { newMember birthdayWeek winBack tierReachedAt tierChangedRecently }
`;

// Tier tag, with a flag when the tier changed lately (or this very event moved it up).
export function tierTags(member, tierChange = null) {
  const upgradedNow = tierChange?.upgrade;
  const lately = member.greeting?.tierChangedRecently;
  return [
    h('span', { class: 'tag', 'data-tier': member.tier.code }, member.tier.name),
    upgradedNow || lately
      ? h('span', { class: 'tag celebrate', 'data-cue': 'tier' },
        upgradedNow ? `Just reached ${tierChange.current.name}!` : `${member.tier.name} since ${relative(member.greeting.tierReachedAt)}`)
      : null,
  ];
}

// What staff greet the member with.
export function cueTags(member) {
  const cues = member.greeting ?? {};
  return [
    cues.newMember ? h('span', { class: 'tag good', 'data-cue': 'new-member' }, 'New member: welcome!') : null,
    cues.birthdayWeek ? h('span', { class: 'tag celebrate', 'data-cue': 'birthday-week' }, 'Birthday week') : null,
    cues.winBack ? h('span', { class: 'tag warn', 'data-cue': 'win-back' }, 'Welcome back: we missed you') : null,
  ];
}

export function countdownList(countdowns) {
  if (!countdowns.length) return h('p', { class: 'muted' }, 'No countdowns right now.');
  return h('ul', { class: 'plain countdowns' }, countdowns.map((countdown) => h('li', { 'data-countdown': countdown.kind },
    countdown.label,
    countdown.deadline ? h('span', { class: 'muted' }, ` (${relative(countdown.deadline)})`) : null)));
}

// The vouchers still to use, with their codes.
export function voucherList(rewards) {
  const open = rewards.filter((reward) => reward.status === 'ACTIVE');
  if (!open.length) return h('p', { class: 'muted' }, 'No vouchers to use.');
  return h('ul', { class: 'plain vouchers' }, open.map((voucher) => h('li', { 'data-voucher': voucher.code },
    h('strong', {}, voucher.reward?.name ?? 'Voucher'), ' ', h('code', {}, voucher.code),
    h('span', { class: 'muted' }, ` · expires ${relative(voucher.expiresAt)} (${dateTime(voucher.expiresAt)})`))));
}

// The member's card: name, tier and cues, balance and pending points, vouchers, countdowns.
export function memberCard(member) {
  const progress = member.tierProgress;
  return h('div', { class: 'member-card', 'data-member': member.id, 'data-version': member.version },
    h('h2', { class: 'name' }, member.displayName ?? member.id, ' ', tierTags(member)),
    h('p', {}, cueTags(member)),
    h('p', {}, h('span', { class: 'big', 'data-balance': member.balance }, `${member.balance}`), ' points',
      member.pendingBalance ? h('span', { class: 'muted', 'data-pending': member.pendingBalance }, ` · ${member.pendingBalance} pending`) : null),
    progress.nextTier
      ? h('p', { class: 'muted' }, `${progress.pointsToNextTier} qualifying points to ${progress.nextTier.name}`)
      : null,
    h('h3', {}, 'Vouchers'), voucherList(member.rewards),
    h('h3', {}, 'Countdowns'), countdownList(member.countdowns));
}
