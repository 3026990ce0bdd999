// The GraphQL-over-HTTP audit (npm graphql-http's `auditServer`) against a running Tessera.
//
//   TESSERA_TOKEN=... node audit.mjs
//
// Prints each audit that did not pass (with the server's answer), then one line per
// requirement level: `MUST 23/23`, `SHOULD 23/23`, `MAY 3/4`. Exits 1 when a MUST or a
// SHOULD failed. Every request carries the token, as a client of Tessera's would: without
// one the operations the audit sends would be answered UNAUTHENTICATED.

import { auditServer } from 'graphql-http';

const URL_ = (process.env.TESSERA_URL ?? 'ws://127.0.0.1:8000/graphql').replace(/^ws/, 'http');
const TOKEN = process.env.TESSERA_TOKEN;
if (!TOKEN) {
  console.error('usage: TESSERA_TOKEN=... node audit.mjs');
  process.exit(2);
}

function withToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${TOKEN}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url: URL_, fetchFn: withToken });
const levels = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
let failed = false;
for (const result of results) {
  const level = result.name.split(' ', 1)[0];
  levels[level][1] += 1;
  if (result.status === 'ok') {
    levels[level][0] += 1;
    continue;
  }
  if (level !== 'MAY') failed = true;
  const body = await result.response.text().catch(() => '');
  const type = result.response.headers.get('content-type');
  console.log(`FAILED ${result.id} ${result.name}: ${result.reason}`);
  console.log(`  answered ${result.response.status} ${type} ${body.slice(0, 300)}`);
}
for (const [level, [passed, total]] of Object.entries(levels)) {
  console.log(`${level} ${passed}/${total}`);
}
process.exit(failed ? 1 : 0);
