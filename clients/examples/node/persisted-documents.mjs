// Apollo Client running trusted documents by id: the manifest in ../persisted/skyways.json
// (Apollo's persisted query list format) is pushed ahead of time with
//
//   tessera documents push ../persisted/skyways.json --partner skyways
//
// and this client sends only each operation's id, never its text, as a partner token must.
//
//   TESSERA_TOKEN=$(tessera token --role partner --partner skyways) node persisted-documents.mjs

import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';
import { getOperationName } from '@apollo/client/utilities/index.js';

const URL_ = (process.env.TESSERA_URL ?? 'ws://127.0.0.1:8000/graphql').replace(/^ws/, 'http');
const TOKEN = process.env.TESSERA_TOKEN;
if (!TOKEN) {
  console.error('usage: TESSERA_TOKEN=... node persisted-documents.mjs');
  process.exit(2);
}

// The manifest's ids by operation name, as @apollo/persisted-query-lists'
// generatePersistedQueryIdsFromManifest gives them to the link.
const manifest = JSON.parse(readFileSync(new URL('../persisted/skyways.json', import.meta.url)));
const ids = new Map(manifest.operations.map((operation) => [operation.name, operation.id]));

const texts = [];
async function loggingFetch(uri, options) {
  const sent = JSON.parse(options.body);
  if (sent.query) texts.push(sent.query);
  return fetch(uri, options);
}

const client = new ApolloClient({
  link: createPersistedQueryLink({
    generateHash: (document) => ids.get(getOperationName(document)),
    // An id the server does not know is a deploy mistake: never fall back to the text.
    retry: () => false,
    disable: () => false,
  }).concat(new HttpLink({ uri: URL_, headers: { authorization: `Bearer ${TOKEN}` }, fetch: loggingFetch })),
  cache: new InMemoryCache({ typePolicies: { Program: { keyFields: [] } } }),
});

const PARTNER_PROGRAM = gql`
  query PartnerProgram { program { name } }
`;
const { data } = await client.query({ query: PARTNER_PROGRAM });
console.log(`program ${data.program.name}`);
console.log(texts.length === 0 ? 'sent ids only' : `sent ${texts.length} texts`);
