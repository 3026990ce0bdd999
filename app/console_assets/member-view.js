// Pieces of the member view that several consoles show the same way: the tier with its
// celebration flag, the greeting cues, and the countdowns.
import { h, relative } from './console.js';

// The fields these pieces read; spread into a document's member selection.
export const MEMBER_CUES = `
  id displayName
  tier { code name }
  engagement { weMissYou }
`;

export const COUNTDOWNS = `countdowns { kind label pointsRemaining deadline }`;

// Tier tag, with a flag when the change this event or update reports was an upgrade.
export function tierTags(member, tierChange = null) {
  return [
    h('span', { class: 'tag', 'data-tier': member.tier.code }, member.tier.name),
    tierChange?.upgrade ? h('span', { class: 'tag celebrate' }, `New tier: ${tierChange.current.name}!`) : null,
  ];
}

// What staff should greet the member with.
export function cueTags(member) {
  const tags = [];
  if (member.engagement?.weMissYou) tags.push(h('span', { class: 'tag warn', 'data-cue': 'win-back' }, 'Welcome back: we missed you'));
  return tags;
}

export function countdownList(countdowns) {
  if (!countdowns.length) return h('p', { class: 'muted' }, 'No countdowns right now.');
  return h('ul', { class: 'plain countdowns' }, countdowns.map((countdown) => h('li', { 'data-countdown': countdown.kind },
    countdown.label,
    countdown.deadline ? h('span', { class: 'muted' }, ` (${relative(countdown.deadline)})`) : null)));
}
