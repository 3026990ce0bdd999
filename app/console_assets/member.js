// The member home: what the app and the web show a member (member token): balance and tier
// progress, vouchers and rewards with the same countdowns the emails quote (one function,
// domain/countdowns.py, for every surface), the onboarding and "we miss you" modules, the
// challenges, and redeeming a reward. It follows the member live (memberUpdated).
import { $, dateTime, fill, h, halt, header, newKey, notify, onSubmit, query, relative, subscribe } from './console.js';
import { countdownList, voucherList } from './member-view.js';

const HOME = `
  id version displayName balance pendingBalance
  tier { code name }
  tierProgress { qualifyingPoints nextTier { code name threshold } pointsToNextTier requalifyBy }
  rewards { id code status expiresAt reward { id name } }
  countdowns { kind label pointsRemaining deadline }
  challenges { id name progress target deadline completed }
  engagement { weMissYou onboarding { complete steps { step done } } }
`;
const ME = `query { me { ${HOME} } program { name tiers { code threshold } rewards { id name cost minTier available } } }`;
const FOLLOW = `subscription Follow($ref: MemberRef!) { memberUpdated(ref: $ref) { version member { ${HOME} } } }`;
const REDEEM = `mutation Redeem($input: RedeemRewardInput!) { redeemReward(input: $input) {
  __typename ... on Error { code message } ... on RewardRedeemed { memberReward { code reward { name } } } } }`;
const STEPS = {
  ADD_CONTACT: 'Add an email or phone number',
  INSTALL_APP: 'Install the app',
  SET_PREFERENCES: 'Choose how we contact you',
  FIRST_PURCHASE: 'Make your first purchase',
};

document.body.prepend(header('My rewards'));
const main = $('main');
const { me, program } = await query(ME).catch(halt);
if (!me) await halt(new Error('This page is for a member token: sign in as the member.'));
$('header.top h1').textContent = program.name;
const home = h('div', { id: 'home', class: 'grid', 'aria-live': 'polite' });
main.append(h('p', { id: 'status', role: 'status' }), home);
let member = me;
render();
subscribe(FOLLOW, { ref: { id: me.id } }, ({ memberUpdated: update }) => {
  if (update.member.id === member.id && update.version < member.version) return;
  member = update.member;
  render();
});

function render() {
  fill(home, balanceCard(), modules(), rewardsCard(), challengesCard());
  home.dataset.version = member.version;
}

function balanceCard() {
  const progress = member.tierProgress;
  const rank = program.tiers.findIndex((tier) => tier.code === member.tier.code);
  const floor = program.tiers[rank]?.threshold ?? 0;
  return h('section', { id: 'balance', 'aria-labelledby': 'balance-title' },
    h('h2', { id: 'balance-title' }, `Hello ${member.displayName ?? ''}`),
    h('p', {}, h('span', { class: 'big', 'data-balance': member.balance }, `${member.balance}`), ' points',
      member.pendingBalance ? h('span', { class: 'muted' }, ` · ${member.pendingBalance} on their way`) : null),
    h('p', {}, 'Your tier: ', h('span', { class: 'tag', 'data-tier': member.tier.code }, member.tier.name)),
    progress.nextTier
      ? [h('label', { for: 'tier-progress' }, `${progress.pointsToNextTier} points to ${progress.nextTier.name}`),
        h('progress', { id: 'tier-progress', max: progress.nextTier.threshold - floor, value: progress.qualifyingPoints - floor })]
      : h('p', {}, 'You are at the top tier.'),
    progress.requalifyBy ? h('p', { class: 'muted' }, `Tier reviewed ${dateTime(progress.requalifyBy)}`) : null,
    h('h3', {}, 'Coming up'), countdownList(member.countdowns),
    h('p', { class: 'muted' }, 'Your card number for the till: ', h('code', { 'data-card': member.id }, member.id)));
}

function modules() {
  const { weMissYou, onboarding } = member.engagement;
  const parts = [];
  if (weMissYou) {
    parts.push(h('section', { id: 'we-miss-you' }, h('h2', {}, 'We miss you!'),
      h('p', {}, 'It has been a while. Come and see what is new: your points are waiting for you.')));
  }
  if (!onboarding.complete) {
    parts.push(h('section', { id: 'onboarding' }, h('h2', {}, 'Get started'),
      h('ul', { class: 'plain' }, onboarding.steps.map((step) => h('li', { 'data-step': step.step, 'data-done': String(step.done) },
        step.done ? '✓ ' : '○ ', STEPS[step.step] ?? step.step)))));
  }
  return parts;
}

function rewardsCard() {
  const form = h('form', { id: 'redeem', 'aria-labelledby': 'rewards-title' },
    h('h2', { id: 'rewards-title' }, 'Rewards'),
    h('ul', { class: 'plain' }, program.rewards.map((reward) => {
      const short = reward.cost - member.balance;
      return h('li', { 'data-reward': reward.id },
        h('strong', {}, reward.name), ` · ${reward.cost} points `,
        short > 0 ? h('span', { class: 'muted' }, `(${short} more needed) `) : null,
        h('button', { type: 'submit', name: 'rewardId', value: reward.id, 'aria-label': `Redeem ${reward.name}` }, 'Redeem'));
    })));
  onSubmit(form, async (_, submitter) => {
    const { redeemReward: r } = await query(REDEEM, {
      input: { member: { id: member.id }, rewardId: submitter.value, channel: 'WEB', idempotencyKey: newKey('web') },
    });
    notify(`Redeemed ${r.memberReward.reward?.name}: your code is ${r.memberReward.code}.`, 'ok');
  });
  return h('section', {}, form, h('h3', {}, 'Your vouchers'), voucherList(member.rewards));
}

function challengesCard() {
  if (!member.challenges.length) return null;
  return h('section', { id: 'challenges', 'aria-labelledby': 'challenges-title' },
    h('h2', { id: 'challenges-title' }, 'Challenges'),
    h('ul', { class: 'plain' }, member.challenges.map((challenge) => h('li', { 'data-challenge': challenge.id },
      h('label', { for: `challenge-${challenge.id}` }, challenge.name, challenge.completed ? ' ✓' : ''),
      h('progress', { id: `challenge-${challenge.id}`, max: challenge.target, value: challenge.progress }),
      h('span', { class: 'muted' }, ` ${challenge.progress} of ${challenge.target}`,
        challenge.deadline ? ` · ends ${relative(challenge.deadline)}` : '')))));
}
