// The WebSocket load client of scenario 12 of bench/compare.sh, on the npm `ws` package (the
// WebSocket library of most Node.js programs, nobody here wrote it). N connections each send a
// message, wait for its echo, check it is the same bytes, and send the next, for D seconds.
// Usage: node ws-load.js URL CONNECTIONS SECONDS [MESSAGE_BYTES]
// Prints one summary line the harness parses (bench/tools/report.py):
//   ws-load: C connections, M messages in S s, R msg/s, p50 X ms, p99 Y ms, errors E
// Errors: connections that failed or closed early, and echoes that were not the message sent.
// Exits 1 when nothing was echoed (a check run: `node ws-load.js URL 1 1` proves the path works).
'use strict';
const WebSocket = require('ws');

const [url, connArg, secArg, sizeArg] = process.argv.slice(2);
const conns = Number(connArg || 50);
const seconds = Number(secArg || 10);
const size = Number(sizeArg || 64);
if (!url || !(conns >= 1) || !(seconds > 0) || !(size >= 8)) {
  console.error('usage: node ws-load.js URL CONNECTIONS SECONDS [MESSAGE_BYTES >= 8]');
  process.exit(2);
}

// Round-trip times in a log-linear histogram of microseconds (1% precision): no array of every sample.
const buckets = new Map();
function record(us) {
  const b = us < 100 ? Math.round(us) : Math.round(Math.exp(Math.round(Math.log(us) * 100) / 100));
  buckets.set(b, (buckets.get(b) || 0) + 1);
}
function percentile(p, total) {
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  let seen = 0;
  for (const k of keys) {
    seen += buckets.get(k);
    if (seen >= total * p) {
      return k / 1000;
    }
  }
  return 0;
}

let messages = 0;
let errors = 0;
let running = false;
let open = 0;
let startNs = 0n;
const sockets = [];

function connect(i) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const payload = Buffer.alloc(size, 0x61 + (i % 26));
  let sentAt = 0n;
  let seq = 0;
  let done = false;
  const fail = () => {
    if (!done) {
      done = true;
      errors++;
    }
  };
  const send = () => {
    payload.writeUInt32BE(seq, 0);
    payload.writeUInt32BE(i, 4);
    sentAt = process.hrtime.bigint();
    ws.send(payload, { binary: true });
  };
  ws.on('open', () => {
    open++;
    if (open === conns) {
      running = true;
      startNs = process.hrtime.bigint();
      setTimeout(stop, seconds * 1000);
      for (const s of sockets) {
        s.start();
      }
    }
  });
  ws.on('message', (data) => {
    if (!running) {
      return;
    }
    const now = process.hrtime.bigint();
    if (data.length !== size || data.readUInt32BE(0) !== seq || data.readUInt32BE(4) !== i) {
      errors++;
    } else {
      messages++;
      record(Number(now - sentAt) / 1000);
    }
    seq++;
    send();
  });
  ws.on('error', fail);
  ws.on('close', () => {
    if (running) {
      fail();
    }
  });
  sockets.push({ start: send, ws, finish: () => { done = true; } });
}

function stop() {
  running = false;
  const s = Number(process.hrtime.bigint() - startNs) / 1e9;
  for (const x of sockets) {
    x.finish();
    x.ws.terminate();
  }
  const rate = messages / s;
  console.log(`ws-load: ${conns} connections, ${messages} messages in ${s.toFixed(2)} s, ${rate.toFixed(1)} msg/s, `
    + `p50 ${percentile(0.5, messages).toFixed(3)} ms, p99 ${percentile(0.99, messages).toFixed(3)} ms, errors ${errors}`);
  process.exit(messages > 0 ? 0 : 1);
}

// Connections that never open count as errors; the run ends anyway after its time plus a grace.
setTimeout(() => {
  if (!running) {
    errors += conns - open;
    console.log(`ws-load: ${conns} connections, 0 messages in 0.00 s, 0.0 msg/s, p50 0.000 ms, p99 0.000 ms, errors ${errors}`
      + ` (only ${open} of ${conns} connections opened)`);
    process.exit(1);
  }
}, 15000).unref();
for (let i = 0; i < conns; i++) {
  connect(i);
}
