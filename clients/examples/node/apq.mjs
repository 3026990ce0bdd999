// Apollo Client with automatic persisted queries (APQ) against Tessera: the link sends the
// query's SHA-256 hash first; the server answers PERSISTED_QUERY_NOT_FOUND once, the link
// sends the text with the hash, and from then on the hash alone runs it (by GET here, so
// that CDNs can cache it).
//
//   TESSERA_TOKEN=... node apq.mjs
//
// Each request is printed as it goes: `GET hash` / `POST hash+query`, then what came back.

import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';

const URL_ = (process.env.TESSERA_URL ?? 'ws://127.0.0.1:8000/graphql').replace(/^ws/, 'http');
const TOKEN = process.env.TESSERA_TOKEN;
if (!TOKEN) {
  console.error('usage: TESSERA_TOKEN=... node apq.mjs');
  process.exit(2);
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// What went over the wire: the method, and whether it carried the text, the hash or both.
async function loggingFetch(uri, options) {
  const url = new URL(uri);
  const sent = options.method === 'GET' ? Object.fromEntries(url.searchParams) : JSON.parse(options.body);
  const parts = [sent.extensions && 'hash', sent.query && 'query'].filter(Boolean).join('+');
  const response = await fetch(uri, options);
  const body = await response.clone().json();
  const outcome = body.errors ? body.errors[0].extensions.code : 'data';
  console.log(`${options.method} ${parts} -> ${response.status} ${outcome}`);
  return response;
}

const client = new ApolloClient({
  link: createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: URL_, headers: { authorization: `Bearer ${TOKEN}` }, fetch: loggingFetch }),
  ),
  cache: new InMemoryCache(),
});

// A text of its own on each run, so its hash is new to the server.
const PROGRAM = gql`
  query ApqProgram${Date.now()} { program { name currency } }
`;
for (let n = 0; n < 2; n += 1) {
  const { data } = await client.query({ query: PROGRAM, fetchPolicy: 'network-only' });
  console.log(`program ${data.program.name} ${data.program.currency}`);
}
