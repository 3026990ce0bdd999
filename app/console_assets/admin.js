// The program dashboard (admin token): programStats for a period, as figures and charts,
// followed live through programStatsUpdated (the figures again whenever member events
// change them). Chart.js comes from the page's vendored UMD build (window.Chart); every
// chart has its numbers as a table too.
import { $, fill, h, header, notify, onSubmit, subscribe } from './console.js';

const FIGURES = `
  from to currency pointValue
  liability { month points value breakagePoints }
  liabilityPoints liabilityValue pendingPoints breakageRate breakagePoints breakageValue
  pointsIssued pointsRedeemed pointsExpired pointsClawedBack redemptionRate
  purchases repeatPurchases repeatPurchaseRate spend enrolled
  members activeMembers lifetimeSpend averageCltv
  tiers { key count }
  messagesSent sentByChannel { key count } messagesSuppressed suppressedByReason { key count }
`;
const FOLLOW = `subscription Figures($from: Date, $to: Date) {
  programStatsUpdated(from: $from, to: $to) { ${FIGURES} }
}`;

const number = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const money = (amount, currency) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(Number(amount));
const rate = (value) => (value == null ? '–' : percent.format(Number(value)));

const main = $('main');
document.body.prepend(header('Program dashboard'));
const fromField = h('input', { id: 'from', name: 'from', type: 'date' });
const toField = h('input', { id: 'to', name: 'to', type: 'date' });
const form = h('form', { class: 'row', 'aria-label': 'Period' },
  h('div', {}, h('label', { for: 'from' }, 'From'), fromField),
  h('div', {}, h('label', { for: 'to' }, 'To'), toField),
  h('button', { type: 'submit' }, 'Show'));
const period = h('p', { id: 'period', class: 'muted' }, 'Loading the figures…');
const tiles = h('div', { id: 'figures', class: 'figures', 'aria-live': 'polite' });

// A chart with its table: `rows(stats)` gives [label, ...values] rows, `columns` names them.
function chartSection(id, title, columns) {
  const canvas = h('canvas', { id: `${id}-chart`, role: 'img', 'aria-label': title });
  const table = h('table', { id: `${id}-table` });
  return {
    canvas,
    table,
    columns,
    section: h('section', { 'aria-labelledby': `${id}-title` },
      h('h2', { id: `${id}-title` }, title),
      h('div', { class: 'chart' }, canvas),
      h('details', {}, h('summary', {}, 'As a table'), table)),
  };
}

const liability = chartSection('liability', 'Liability by expiry month', ['Month', 'Open points', 'Value', 'Expected to lapse']);
const tiers = chartSection('tiers', 'Members by tier', ['Tier', 'Members']);
const messages = chartSection('messages', 'Messages', ['Outcome', 'Messages']);
main.append(
  h('section', {}, form, period, h('p', { id: 'status', role: 'status' })),
  tiles,
  h('div', { class: 'charts' }, liability.section, tiers.section, messages.section));

const charts = {
  liability: new window.Chart(liability.canvas, {
    type: 'bar',
    data: { labels: [], datasets: [
      { label: 'Expected to be spent', data: [], backgroundColor: '#1b5fc1' },
      { label: 'Expected to expire unspent', data: [], backgroundColor: '#f0b400' },
    ] },
    options: { maintainAspectRatio: false, animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  }),
  tiers: new window.Chart(tiers.canvas, {
    type: 'doughnut',
    data: { labels: [], datasets: [{ label: 'Members', data: [], backgroundColor: ['#b08d57', '#9aa3b2', '#d4a017', '#1b5fc1', '#7b3fb5'] }] },
    options: { maintainAspectRatio: false, animation: false },
  }),
  messages: new window.Chart(messages.canvas, {
    type: 'bar',
    data: { labels: [], datasets: [{ label: 'Messages', data: [], backgroundColor: [] }] },
    options: { maintainAspectRatio: false, animation: false, indexAxis: 'y', plugins: { legend: { display: false } } },
  }),
};

function tile(name, title, value, ...notes) {
  return h('div', { class: 'figure card', 'data-figure': name },
    h('h2', {}, title),
    h('p', { class: 'big', 'data-value': String(value.raw ?? '') }, value.text),
    notes.map((note) => h('p', { class: 'muted' }, note)));
}

function showTiles(s) {
  const m = (amount) => money(amount, s.currency);
  fill(tiles,
    tile('liability', 'Liability', { text: m(s.liabilityValue), raw: s.liabilityValue },
      `${number.format(s.liabilityPoints)} open points at ${m(s.pointValue)}`,
      s.pendingPoints ? `${number.format(s.pendingPoints)} more held` : null),
    tile('breakage', 'Breakage forecast', { text: `${number.format(s.breakagePoints)} points`, raw: s.breakagePoints },
      `${m(s.breakageValue)} due to expire unspent (${rate(s.breakageRate)})`),
    tile('redemptionRate', 'Redemption rate', { text: rate(s.redemptionRate), raw: s.redemptionRate },
      `${number.format(s.pointsRedeemed)} of ${number.format(s.pointsIssued)} points issued`,
      `${number.format(s.pointsExpired)} expired · ${number.format(s.pointsClawedBack)} clawed back`),
    tile('repeatPurchaseRate', 'Repeat-purchase rate', { text: rate(s.repeatPurchaseRate), raw: s.repeatPurchaseRate },
      `${number.format(s.repeatPurchases)} of ${number.format(s.purchases)} purchases`),
    tile('purchases', 'Purchases', { text: number.format(s.purchases), raw: s.purchases },
      `${m(s.spend)} net spend`),
    tile('activeMembers', 'Active members', { text: number.format(s.activeMembers), raw: s.activeMembers },
      `of ${number.format(s.members)} members · ${number.format(s.enrolled)} joined`),
    tile('averageCltv', 'Average CLTV', { text: s.averageCltv == null ? '–' : m(s.averageCltv), raw: s.averageCltv },
      `${m(s.lifetimeSpend)} lifetime spend`),
    tile('messages', 'Messages', { text: number.format(s.messagesSent), raw: s.messagesSent },
      `sent · ${number.format(s.messagesSuppressed)} suppressed`));
}

function showTable(chart, rows) {
  fill(chart.table,
    h('thead', {}, h('tr', {}, chart.columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(([label, ...values]) =>
      h('tr', {}, h('th', { scope: 'row' }, label), values.map((v) => h('td', {}, v))))));
}

function showCharts(s) {
  const months = s.liability;
  charts.liability.data.labels = months.map((m) => m.month);
  charts.liability.data.datasets[0].data = months.map((m) => m.points - m.breakagePoints);
  charts.liability.data.datasets[1].data = months.map((m) => m.breakagePoints);
  showTable(liability, months.map((m) => [m.month, number.format(m.points), money(m.value, s.currency), number.format(m.breakagePoints)]));

  charts.tiers.data.labels = s.tiers.map((t) => t.key);
  charts.tiers.data.datasets[0].data = s.tiers.map((t) => t.count);
  showTable(tiers, s.tiers.map((t) => [t.key, number.format(t.count)]));

  const outcomes = [
    ...s.sentByChannel.map((c) => [`Sent: ${c.key}`, c.count, '#1f7a3a']),
    ...s.suppressedByReason.map((r) => [`Suppressed: ${r.key}`, r.count, '#b3261e']),
  ];
  charts.messages.data.labels = outcomes.map(([label]) => label);
  charts.messages.data.datasets[0].data = outcomes.map(([, count]) => count);
  charts.messages.data.datasets[0].backgroundColor = outcomes.map(([, , colour]) => colour);
  showTable(messages, outcomes.map(([label, count]) => [label, number.format(count)]));

  Object.values(charts).forEach((chart) => chart.update('none'));
}

let updates = 0;
function show(stats) {
  updates += 1;
  period.textContent = `${stats.from} to ${stats.to} (UTC) · updated ${new Date().toLocaleTimeString()}`;
  period.dataset.updates = String(updates);
  if (!fromField.value) fromField.value = stats.from;
  if (!toField.value) toField.value = stats.to;
  showTiles(stats);
  showCharts(stats);
}

let stop = null;
function follow(variables) {
  stop?.();
  stop = subscribe(FOLLOW, variables, ({ programStatsUpdated }) => show(programStatsUpdated));
}

onSubmit(form, ({ from, to }) => {
  if (from && to && from > to) throw new Error('`From` must not be after `To`.');
  follow({ from: from || null, to: to || null });
  notify(`Showing ${from || 'the last 30 days'}${to ? ` to ${to}` : ''}.`);
});
follow({});
