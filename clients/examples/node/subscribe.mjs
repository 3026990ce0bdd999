// Follow one Tessera member live: the snapshot first, then one line per change.
//
//   TESSERA_TOKEN=... node subscribe.mjs mbr_demo_ada
//   TESSERA_TOKEN=... node subscribe.mjs --count 2 EMAIL:ada@example.com
//   TESSERA_TOKEN=... node subscribe.mjs --sse mbr_demo_ada
//
// graphql-ws speaks graphql-transport-ws; with --sse, graphql-sse speaks Server-Sent Events
// (distinct connections mode: one POST per subscription), for networks that block
// WebSockets. After a dropped connection either reconnects and subscribes again, and the
// server sends the snapshot again, so nothing is missed.

import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const DEFAULT_URL = 'ws://127.0.0.1:8000/graphql';
const HOW_TO_GET_A_TOKEN =
  '`make run` prints a bearer token for each surface, ' +
  'or run `tessera token --role pos --store store-001`';
const IDENTIFIER_KINDS = ['EMAIL', 'PHONE', 'APP_DEVICE', 'WEB_COOKIE', 'POS_CARD', 'EXTERNAL'];
const USAGE = `usage: node subscribe.mjs [--count N] [--sse] MEMBER

  MEMBER     a member id (mbr_demo_ada) or KIND:value (EMAIL:ada@example.com)
  --count N  exit after N updates
  --sse      Server-Sent Events (graphql-sse) instead of a WebSocket (graphql-ws)

TESSERA_URL (default ${DEFAULT_URL}) and TESSERA_TOKEN are read from the environment.`;

const MEMBER_UPDATED = /* GraphQL */ `
  subscription Follow($ref: MemberRef!) {
    memberUpdated(ref: $ref) {
      version
      cause { kind channel storeId }
      member { id displayName balance tier { code name } countdowns { kind label } }
    }
  }
`;

class Refused extends Error {}

function usageError(message) {
  console.error(`subscribe: ${message}\n\n${USAGE}`);
  process.exit(2);
}

// `mbr_demo_ada` is an id; `EMAIL:ada@example.com` is an identifier of that kind.
function memberRef(text) {
  const colon = text.indexOf(':');
  if (colon < 0) return { id: text };
  const kind = text.slice(0, colon).toUpperCase();
  if (!IDENTIFIER_KINDS.includes(kind)) {
    const known = IDENTIFIER_KINDS.join(', ');
    usageError(`unknown identifier kind '${text.slice(0, colon)}'; use one of ${known}`);
  }
  return { identifier: { kind, value: text.slice(colon + 1) } };
}

function parseCommandLine() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        count: { type: 'string' },
        sse: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
    });
  } catch (error) {
    usageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1) usageError('give exactly one member');
  const count = values.count === undefined ? undefined : Number(values.count);
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) {
    usageError('--count must be 1 or more');
  }
  const token = (process.env.TESSERA_TOKEN ?? '').trim();
  if (!token) {
    console.error(`subscribe: set TESSERA_TOKEN. ${HOW_TO_GET_A_TOKEN}`);
    process.exit(2);
  }
  let url = process.env.TESSERA_URL || DEFAULT_URL;
  if (!URL.canParse(url) || !['ws:', 'wss:'].includes(new URL(url).protocol)) {
    usageError(`TESSERA_URL must be a ws:// or wss:// URL, not '${url}'`);
  }
  if (values.sse) url = url.replace(/^ws/, 'http'); // the same /graphql, over HTTP
  return { url, token, ref: memberRef(positionals[0]), count, sse: values.sse ?? false };
}

// v7 EARNED  balance 1203  SILVER  | 3700 points to Gold  @ store-001
function line({ version, cause, member }) {
  let text = `v${version} ${cause.kind}  balance ${member.balance}  ${member.tier.code}`;
  if (member.countdowns.length > 0) text += `  | ${member.countdowns[0].label}`;
  const where = cause.storeId ?? cause.channel;
  return where ? `${text}  @ ${where}` : text;
}

function describe(error) {
  if (Array.isArray(error)) {
    // GraphQL errors: a missing member, a member token following someone else...
    const described = ({ message, extensions }) =>
      extensions?.code ? `${message} (${extensions.code})` : message;
    const refused = error.some(({ extensions }) => extensions?.code === 'UNAUTHENTICATED');
    const text = error.map(described).join('; ');
    return refused ? `${text}. ${HOW_TO_GET_A_TOKEN}` : text;
  }
  if (error && typeof error === 'object' && 'code' in error && 'reason' in error) {
    if (error.code === 4403) {
      return (
        'the server refused the token (close code 4403): it is missing, invalid or expired, ' +
        `or it holds too many connections. ${HOW_TO_GET_A_TOKEN}`
      );
    }
    return `connection closed with code ${error.code}${error.reason ? ` (${error.reason})` : ''}`;
  }
  return error?.message || String(error);
}

// graphql-sse: each subscription is one POST (Accept: text/event-stream) with the token in
// its Authorization header; the server's events are the same results as over a WebSocket.
function sseClient(url, token, events) {
  return createSseClient({
    url,
    headers: { authorization: `Bearer ${token}` },
    on: { connected: events.connected },
  });
}

function webSocketClient(url, token, events) {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    shouldRetry: events.shouldRetry,
    on: { connected: events.connected, closed: events.closed, error: events.error },
  });
}

async function follow({ url, token, ref, count, sse }) {
  let connected = false;
  let done = false;
  let lastFailure;
  const events = {
    connected: () => {
      if (lastFailure) console.error('reconnected');
      connected = true;
    },
    closed: (event) => {
      lastFailure = event;
      if (connected && !done) console.error(`connection lost (${describe(event)}); reconnecting`);
    },
    // ws reports why a connection could not open (refused, HTTP 403...) only here.
    error: (error) => {
      lastFailure = error;
    },
    // Retry only a connection that once worked: a wrong URL or token fails at once.
    shouldRetry: (event) => connected && event?.code !== 4403,
  };
  const client = (sse ? sseClient : webSocketClient)(url, token, events);
  let printed = 0;
  try {
    for await (const result of client.iterate({ query: MEMBER_UPDATED, variables: { ref } })) {
      if (result.errors) throw result.errors;
      console.log(line(result.data.memberUpdated));
      printed += 1;
      if (count !== undefined && printed >= count) return;
    }
    throw new Refused('the server ended the subscription');
  } catch (error) {
    if (error instanceof Refused || Array.isArray(error)) throw error;
    // A close event says little when the socket never opened; the error event says why.
    const reason = !connected && lastFailure instanceof Error ? lastFailure : error;
    throw new Refused(`cannot follow the member at ${url}: ${describe(reason)}`);
  } finally {
    done = true;
    await client.dispose();
  }
}

const options = parseCommandLine();
process.on('SIGINT', () => process.exit(130));
try {
  await follow(options);
} catch (error) {
  console.error(`subscribe: ${describe(error)}`);
  process.exit(1);
}
