// The bench's link emulator (bench/net): packets pass between the two namespaces and the
// counters add up; total loss and a black hole let nothing through. Behaviour only, no timing.
// Needs root, /dev/net/tun and `ip netns`; skipped otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { buildEmulator, startLink, unavailable } from '../../bench/net/link.mjs';

const why = unavailable();
const options = { skip: why ? `needs root, /dev/net/tun and ip netns (${why})` : false, timeout: 180_000 };

const SIZE = 300_000;
// A TCP sink in the server namespace: prints "listening", answers each connection with the count.
const SINK = `require('net').createServer((s) => { let n = 0; s.on('data', (d) => (n += d.length)); s.on('end', () => s.end(String(n))); }).listen(9000, process.argv[1], () => console.log('listening'));`;
// The client: sends SIZE bytes, prints the server's count (or the error), exits.
const SEND = `const s = require('net').connect(9000, process.argv[1], () => s.end(Buffer.alloc(${SIZE}, 7)));
s.setTimeout(Number(process.argv[2]), () => { console.log('timeout'); process.exit(0); });
let out = ''; s.on('data', (d) => (out += d)); s.on('end', () => { console.log(out); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;

async function withLink(profile, id, fn) {
  const link = await startLink(profile, { id });
  try {
    const sink = link.spawnIn(link.serverNs, process.execPath, ['-e', SINK, link.serverIp], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(sink.stdout, 'data');
    await link.reset();
    const send = async (idleMs) => {
      const client = link.spawnIn(link.clientNs, process.execPath, ['-e', SEND, link.serverIp, String(idleMs)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      client.stdout.on('data', (d) => (out += d));
      await once(client, 'exit');
      return out.trim();
    };
    return await fn(link, send);
  } finally {
    await link.close();
  }
}

test('bytes cross the emulated link whole, and the link counts them', options, async () => {
  buildEmulator();
  await withLink({ up: 20e6, down: 20e6, rttMs: 4, loss: 0 }, 90, async (link, send) => {
    assert.equal(await send(60_000), String(SIZE));
    const { up, down } = await link.stats();
    assert.equal(up.syns, 1);
    assert.equal(up.lost + up.blackholed, 0);
    // Every payload byte sent once, plus what TCP re-sent (queue drops are the only loss here).
    assert.equal(up.tcpPayloadBytes - up.retransmittedBytes, SIZE);
    assert.ok(up.bytes > SIZE && up.deliveredBytes <= up.bytes);
    assert.equal(up.packets, up.deliveredPackets + up.queueDrops);
    assert.ok(down.packets > 0);
  });
});

test('with 100% loss and during a black hole nothing gets through', options, async () => {
  buildEmulator();
  await withLink({ up: 20e6, down: 20e6, rttMs: 4, loss: 1 }, 91, async (link, send) => {
    assert.notEqual(await send(1500), String(SIZE));
    const { up, down } = await link.stats();
    assert.ok(up.packets >= 1);
    assert.equal(up.deliveredPackets, 0);
    assert.equal(up.lost, up.packets);
    assert.equal(down.packets, 0);
  });
  await withLink({ up: 20e6, down: 20e6, rttMs: 4, loss: 0 }, 92, async (link, send) => {
    await link.blackhole(600);
    assert.notEqual(await send(1500), String(SIZE));
    const { up } = await link.stats();
    assert.ok(up.blackholed >= 1);
    assert.equal(up.deliveredPackets, 0);
    await link.blackhole(0);
    assert.equal(await send(60_000), String(SIZE));
  });
});
