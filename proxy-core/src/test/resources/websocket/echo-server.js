// A WebSocket echo server on the npm `ws` package: every message goes back as it came (text or
// binary). It stops reading while more than a few echoes wait to be written, so a slow reader
// on the far side of the proxy slows its own writer down instead of filling this process.
// Prints "listening <port>" once it accepts connections.
'use strict';
const { WebSocketServer } = require('ws');

const MAX_PENDING = 4;
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 256 * 1024 * 1024, perMessageDeflate: false });
wss.on('listening', () => console.log('listening ' + wss.address().port));
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
