/**
 * The per-request deadline and the outer abort of src/redteam/target.ts, against real loopback servers:
 * a hang times out with the timeout's message, the outer signal aborts with "aborted" (not a timeout), a
 * reply that stalls mid-body still times out, and nothing is left listening on the outer signal.
 */
import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chat, type TargetConnection, TargetError } from '../../src/redteam/target.ts';
import { type ScriptedServer, startScriptedServer } from '../fixtures/redteam/scripted-server.ts';

const USER = [{ role: 'user' as const, content: 'hello' }];

function connection(baseUrl: string, timeoutMs: number): TargetConnection {
  return { baseUrl, kind: 'openai', model: 'scripted-model', timeoutMs, maxTokens: 16, seed: 1 };
}

async function failure(promise: Promise<unknown>): Promise<TargetError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TargetError, String(err));
    return err;
  }
  assert.fail('expected a TargetError');
}

describe('target requests: deadline and abort', () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer({ rules: [{ when: /hang/, answer: { hang: true } }] });
  });
  after(() => server.close());

  it('times out a request the server never answers, saying so', async () => {
    const err = await failure(chat(connection(server.url, 150), [{ role: 'user', content: 'hang' }]));
    assert.equal(err.message, 'timed out after 150 ms');
  });

  it('the outer signal aborts a request in flight: "aborted", not a timeout', async () => {
    const controller = new AbortController();
    const asked = server.chats().length;
    const pending = chat(
      connection(server.url, 600_000),
      [{ role: 'user', content: 'hang' }],
      controller.signal,
    );
    while (server.chats().length === asked) await new Promise((r) => setImmediate(r));
    controller.abort();
    assert.equal((await failure(pending)).message, 'aborted');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('an outer signal aborted before the start sends nothing', async () => {
    const sent = server.requests.length;
    const err = await failure(chat(connection(server.url, 600_000), USER, AbortSignal.abort()));
    assert.equal(err.message, 'aborted');
    assert.equal(server.requests.length, sent);
  });

  it('near miss: answered requests succeed and leave no listener on the outer signal', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) {
      const reply = await chat(connection(server.url, 600_000), USER, controller.signal);
      assert.match(reply.text, /sorry/);
    }
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(controller.signal.aborted, false);
  });

  it('a reply that stalls mid-body times out too', async () => {
    const stalling = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices": [');
    });
    stalling.listen(0, '127.0.0.1');
    await once(stalling, 'listening');
    try {
      const { port } = stalling.address() as AddressInfo;
      const err = await failure(chat(connection(`http://127.0.0.1:${port}`, 150), USER));
      assert.equal(err.message, 'timed out after 150 ms');
    } finally {
      stalling.closeAllConnections();
      stalling.close();
    }
  });
});
