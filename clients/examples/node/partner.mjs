// A partner (an airline) against Tessera, with nothing but fetch: link the member whose
// code this is, record a flight for them, and read them back as the partner may see them.
// The operations are the partner's own document, ../partner.graphql, sent by name. A partner
// runs trusted documents only: the document is in the partner's manifest
// (../persisted/skyways.json, pushed with `tessera documents push`), and only its id, the
// SHA-256 of its text, is sent.
//
//   TESSERA_TOKEN=$(tessera token --role partner --partner skyways) \
//     node partner.mjs LINK-CODE SKY-1001 booking-1 123.45 "flight PAR-JFK"
//
// The member makes LINK-CODE in the app (createPartnerLinkCode): it is their consent.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const URL_ = (process.env.TESSERA_URL ?? 'http://127.0.0.1:8000/graphql').replace(/^ws/, 'http');
const TOKEN = process.env.TESSERA_TOKEN;
const PARTNER = process.env.TESSERA_PARTNER ?? 'skyways';
const [linkCode, externalId, bookingId, fare, route] = process.argv.slice(2);
if (!TOKEN || !linkCode || !externalId || !bookingId || !fare) {
  console.error('usage: TESSERA_TOKEN=... node partner.mjs LINK-CODE EXTERNAL-ID BOOKING-ID FARE [ROUTE]');
  process.exit(2);
}
const DOCUMENT = readFileSync(new URL('../partner.graphql', import.meta.url), 'utf8');
const DOCUMENT_ID = createHash('sha256').update(DOCUMENT).digest('hex');

// One operation of the document by name; an expected error (a payload's Error) or a
// top-level one (a token, a field beyond the policy) ends the run with its code.
async function run(operationName, variables) {
  const response = await fetch(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      operationName,
      variables,
      extensions: { persistedQuery: { version: 1, sha256Hash: DOCUMENT_ID } },
    }),
  });
  const body = await response.json();
  if (body.errors?.length) {
    const [error] = body.errors;
    fail(`${operationName}: ${error.extensions?.code ?? response.status} ${error.message}`);
  }
  const answer = Object.values(body.data)[0];
  if (answer.code) fail(`${operationName}: ${answer.__typename} ${answer.code}: ${answer.message}`);
  return answer;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

const linked = await run('LinkMember', { partner: PARTNER, linkCode, externalId });
console.log(`linked ${linked.externalId} at ${PARTNER}: tier ${linked.tier}`);

const flight = await run('RecordFlight', {
  partner: PARTNER, externalId, bookingId, fare, route: route ?? null,
});
if (flight.__typename === 'PartnerBudgetExhausted') fail(`budget: ${flight.left} points left`);
console.log(`earned ${flight.entry.points} points for ${bookingId} (${flight.entry.kind})`);

// A retry (a timeout, say) is safe: the same booking id replays the first result.
const again = await run('RecordFlight', {
  partner: PARTNER, externalId, bookingId, fare, route: route ?? null,
});
console.log(`retried ${bookingId}: same entry ${again.entry.id === flight.entry.id}`);

const member = await run('FindMember', { partner: PARTNER, externalId });
console.log(`member ${member.externalId}: ${member.displayName} ${member.tier} balance ${member.balance}`);
