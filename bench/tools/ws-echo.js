// The WebSocket echo server behind scenario 12 of bench/compare.sh, on the npm `ws` package: every
// message goes back as it came. Usage: node ws-echo.js HOST:PORT. It stops reading a connection
// while more than a few of its echoes wait to be written, so no client can make it buffer without
// bound. Prints "listening HOST:PORT" once it accepts connections.
'use strict';
const { WebSocketServer } = require('ws');

const [host, port] = (process.argv[2] || '127.0.0.1:18090').split(':');
const MAX_PENDING = 4;
const wss = new WebSocketServer({ host, port: Number(port), backlog: 4096, perMessageDeflate: false, clientTracking: false });
wss.on('listening', () => console.log(`listening ${host}:${port}`));
wss.on('connection', (ws) => {
  let pending = 0;
  ws.on('message', (data, isBinary) => {
    if (++pending > MAX_PENDING) {
      ws.pause();
    }
    ws.send(data, { binary: isBinary }, () => {
      if (--pending <= MAX_PENDING) {
        ws.resume();
      }
    });
  });
  ws.on('error', () => ws.terminate());
});
