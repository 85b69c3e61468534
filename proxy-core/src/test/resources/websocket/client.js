// A WebSocket client on the npm `ws` package, run through the proxy against an echo server.
//   node client.js <url> echo   200 messages, text and binary of varied sizes, echoed in order
//   node client.js <url> big    one 10 MiB binary message and its echo
//   node client.js <url> slow   128 MiB in 1 MiB messages while not reading (the writer must be
//                               held back: it stalls with bytes unsent), then reads slowly
// Prints one JSON line: {"ok":true,...} or {"ok":false,"error":...}; exits 0 either way once done.
'use strict';
const crypto = require('crypto');
const WebSocket = require('ws');

const [url, mode] = process.argv.slice(2);
const MiB = 1024 * 1024;

function done(result) {
  console.log(JSON.stringify(result));
  process.exit(0);
}

const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * MiB });
ws.on('error', (e) => done({ ok: false, error: String(e) }));
ws.on('unexpected-response', (req, res) => done({ ok: false, error: 'handshake answered ' + res.statusCode }));
ws.on('close', (code) => done({ ok: false, error: 'closed early with ' + code }));

function expectInOrder(sent, onAllEchoed) {
  let next = 0;
  ws.on('message', (data, isBinary) => {
    const want = sent[next++];
    const same = typeof want === 'string' ? !isBinary && data.toString('utf8') === want : isBinary && Buffer.compare(data, want) === 0;
    if (!same) {
      done({ ok: false, error: 'message ' + (next - 1) + ' came back different' });
    }
    if (next === sent.length) {
      onAllEchoed();
    }
  });
}

ws.on('open', () => {
  if (mode === 'echo') {
    const sent = [];
    for (let i = 0; i < 200; i++) {
      sent.push(i % 2 === 0 ? 'message ' + i + ' ' + 'é'.repeat(i) : crypto.randomBytes(1 + ((i * 7919) % 70000)));
    }
    expectInOrder(sent, () => done({ ok: true, messages: sent.length }));
    sent.forEach((m) => ws.send(m));
  } else if (mode === 'big') {
    const big = crypto.randomBytes(10 * MiB);
    const started = Date.now();
    expectInOrder([big], () => done({ ok: true, bytes: big.length, millis: Date.now() - started }));
    ws.send(big);
  } else if (mode === 'slow') {
    slow();
  } else {
    done({ ok: false, error: 'unknown mode ' + mode });
  }
});

function slow() {
  const count = 128;
  const sent = [];
  for (let i = 0; i < count; i++) {
    const m = Buffer.alloc(MiB, i);
    m.writeUInt32BE(i, 0);
    sent.push(m);
  }
  const total = count * MiB;
  ws.pause();
  sent.forEach((m) => ws.send(m));
  // The writer is held back when, not reading, it stops getting rid of its bytes: bufferedAmount
  // (queued in the client, not yet taken by the socket) stays put and above zero.
  let last = -1;
  let still = 0;
  const poll = setInterval(() => {
    const buffered = ws.bufferedAmount;
    still = buffered === last ? still + 1 : 0;
    last = buffered;
    if (buffered === 0) {
      clearInterval(poll);
      done({ ok: false, error: 'every byte was taken while the client read nothing', total });
    } else if (still >= 10) {
      clearInterval(poll);
      const acceptedWhileStalled = total - buffered;
      // Now a slow reader: one message at a time, with a pause after each.
      expectInOrder(sent, () => done({ ok: true, total, acceptedWhileStalled }));
      ws.on('message', () => {
        ws.pause();
        setTimeout(() => ws.resume(), 2);
      });
      ws.resume();
    }
  }, 100);
}
