// Apollo Client kept live by a subscription: two members' cards watched from the cache, a
// purchase recorded for the first, and the update the subscription brings landing in the
// cache, so the watched card changes with no request of its own, and the other does not.
//
//   TESSERA_TOKEN=<a pos token> node apollo-live.mjs mbr_demo_ben mbr_demo_ada
//   TESSERA_TOKEN=<a pos token> node apollo-live.mjs --multipart mbr_demo_ben mbr_demo_ada
//
// Subscriptions go over a WebSocket (graphql-ws, GraphQLWsLink), or with --multipart over
// plain HTTP (Apollo's multipart subscriptions: HttpLink alone, for networks that block
// WebSockets). The cache is `tesseraCache()` (cache.mjs): the schema's possibleTypes and
// the keyFields of the types whose `id` does not name one object.

import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ApolloClient, HttpLink, gql, split } from '@apollo/client/core/index.js';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions/index.js';
import { getMainDefinition } from '@apollo/client/utilities/index.js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { tesseraCache } from './cache.mjs';

const { values, positionals } = parseArgs({
  options: { multipart: { type: 'boolean' } },
  allowPositionals: true,
});
const WS_URL = process.env.TESSERA_URL ?? 'ws://127.0.0.1:8000/graphql';
const TOKEN = process.env.TESSERA_TOKEN;
const [BUYER, OTHER] = positionals;
if (!TOKEN || !BUYER || !OTHER) {
  console.error('usage: TESSERA_TOKEN=... node apollo-live.mjs [--multipart] MEMBER OTHER_MEMBER');
  process.exit(2);
}

const authorization = `Bearer ${TOKEN}`;
const http = new HttpLink({ uri: WS_URL.replace(/^ws/, 'http'), headers: { authorization } });
let ws;
let link = http; // --multipart: HttpLink asks for `multipart/mixed;subscriptionSpec=1.0`
if (!values.multipart) {
  ws = createClient({ url: WS_URL, webSocketImpl: WebSocket, connectionParams: { authorization } });
  const isSubscription = ({ query }) => getMainDefinition(query).operation === 'subscription';
  link = split(isSubscription, new GraphQLWsLink(ws), http);
}
const client = new ApolloClient({ link, cache: tesseraCache() });

// The same fields in the query and in the subscription, so an update covers the card.
const CARD_FIELDS = gql`
  fragment Card on Member {
    id
    version
    balance
    tier { code }
    challenges { id progress target }
  }
`;
const CARD = gql`
  query Card($ref: MemberRef!) { member(ref: $ref) { ...Card } }
  ${CARD_FIELDS}
`;
const FOLLOW = gql`
  subscription Follow($ref: MemberRef!) {
    memberUpdated(ref: $ref) { version cause { kind } member { ...Card } }
  }
  ${CARD_FIELDS}
`;
// No `member` in the answer: the cached member changes through the subscription alone.
const PURCHASE = gql`
  mutation Purchase($input: RecordPurchaseInput!) {
    recordPurchase(input: $input) {
      __typename
      ... on PointsEarned { entry { id points } }
      ... on Error { code message }
    }
  }
`;

function card({ id, version, balance, tier, challenges }) {
  const coffee = challenges.find((challenge) => challenge.id === 'coffee-trio');
  const challenge = coffee ? ` coffee-trio ${coffee.progress}/${coffee.target}` : '';
  return `${id} v${version} balance ${balance} ${tier.code}${challenge}`;
}

function fail(error) {
  console.error(`apollo-live: ${error.message ?? error}`);
  process.exit(1);
}

// The cards a watched query shows, one after another, each read from the cache.
function watch(id) {
  const watched = client.watchQuery({ query: CARD, variables: { ref: { id } } });
  const cards = [];
  let wake = () => {};
  const watching = watched.subscribe({
    next({ data }) {
      if (!data?.member) return;
      cards.push(card(data.member));
      wake();
    },
    error: fail,
  });
  return {
    async shown(nth) {
      while (cards.length < nth) await new Promise((resolve) => (wake = resolve));
      return cards[nth - 1];
    },
    now: () => card(watched.getCurrentResult().data.member),
    stop: () => watching.unsubscribe(),
  };
}

const buyer = watch(BUYER);
const other = watch(OTHER);
console.log(`watching ${await buyer.shown(1)}`);
console.log(`watching ${await other.shown(1)}`);

// The subscription's first message is the member as it is; then one per change.
let sawSnapshot;
let sawUpdate;
const snapshot = new Promise((resolve) => (sawSnapshot = resolve));
const update = new Promise((resolve) => (sawUpdate = resolve));
const following = client.subscribe({ query: FOLLOW, variables: { ref: { id: BUYER } } }).subscribe({
  next({ data }) {
    const { version, cause } = data.memberUpdated;
    if (cause.kind === 'SNAPSHOT') sawSnapshot();
    else sawUpdate(`update v${version} ${cause.kind}`);
  },
  error: fail,
});
await snapshot;
console.log(`following ${BUYER} over ${values.multipart ? 'multipart HTTP' : 'a WebSocket'}`);

async function purchase() {
  const orderId = `apollo-${randomUUID()}`;
  const { data } = await client.mutate({
    mutation: PURCHASE,
    variables: {
      input: {
        member: { id: BUYER },
        orderId,
        currency: 'EUR',
        channel: 'POS',
        idempotencyKey: orderId,
        lines: [{ sku: 'COF-250', category: 'COFFEE', quantity: 1, unitPrice: '10.00' }],
      },
    },
  });
  const answer = data.recordPurchase;
  const points = answer.entry ? `+${answer.entry.points}` : `${answer.code}: ${answer.message}`;
  console.log(`purchase ${answer.__typename} ${points}`);
}

await purchase().catch(fail);
console.log(await update);
// The watched query shows the update: the subscription wrote the member into the cache.
console.log(`watched ${await buyer.shown(2)}`);
// The other member's challenge progress is still its own (`MemberChallenge` keyFields).
console.log(`watched ${other.now()}`);
following.unsubscribe();
buyer.stop();
other.stop();
await ws?.dispose();
