// A gRPC client of @grpc/grpc-js, run through the proxy (h2c with prior knowledge). One call per
// run, chosen by argv[3]; prints one JSON line with what came back.
//   node client.js <host:port> unary <text>
//   node client.js <host:port> fail <code> <message>
//   node client.js <host:port> stream <count>
//   node client.js <host:port> chat <count>
//   node client.js <host:port> deadline <deadline_ms> <server_delay_ms>
//   node client.js <host:port> parallel <calls> <server_delay_ms>   (that many unary calls at once)
//   node client.js <host:port> interactive   (a Chat call: each stdin line is sent, each reply printed;
//                                             stdin closed ends the call)
const path = require('path');
const readline = require('readline');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [target, mode, a, b] = process.argv.slice(2);
const proto = grpc.loadPackageDefinition(loader.loadSync(path.join(__dirname, 'echo.proto'), {keepCase: true})).swarm.test;
// GRPC_AUTHORITY: the :authority the calls name (routes may match on it), instead of the target's.
const options = process.env.GRPC_AUTHORITY ? {'grpc.default_authority': process.env.GRPC_AUTHORITY} : {};
const client = new proto.Echo(target, grpc.credentials.createInsecure(), options);
const done = result => {
  console.log(JSON.stringify(result));
  client.close();
};
const failed = err => done({ok: false, code: err.code, details: err.details,
  trailer: err.metadata ? err.metadata.get('x-detail') : []});

switch (mode) {
  case 'unary':
    client.Unary({text: a}, (err, m) => err ? failed(err) : done({ok: true, text: m.text}));
    break;
  case 'fail':
    client.Unary({text: b, fail_code: Number(a)}, (err, m) => err ? failed(err) : done({ok: true, text: m.text}));
    break;
  case 'deadline':
    client.Unary({text: 'late', delay_ms: Number(b)}, {deadline: Date.now() + Number(a)},
      (err, m) => err ? failed(err) : done({ok: true, text: m.text}));
    break;
  case 'parallel': {
    const n = Number(a);
    const texts = new Set();
    let failures = 0;
    let firstError;
    let pending = n;
    for (let i = 0; i < n; i++) {
      client.Unary({text: 'p' + i, delay_ms: Number(b)}, (err, m) => {
        if (err) {
          failures++;
          firstError = firstError || {code: err.code, details: err.details};
        } else {
          texts.add(m.text);
        }
        if (--pending === 0) {
          done(failures === 0 ? {ok: true, answered: texts.size, failures} : {ok: false, answered: texts.size, failures, firstError});
        }
      });
    }
    break;
  }
  case 'stream': {
    const texts = [];
    const call = client.ServerStream({text: 's', count: Number(a)});
    call.on('data', m => texts.push(m.text));
    call.on('error', failed);
    call.on('status', s => { if (s.code === 0) done({ok: true, count: texts.length, first: texts[0], last: texts[texts.length - 1]}); });
    break;
  }
  case 'chat': {
    const texts = [];
    const call = client.Chat();
    call.on('data', m => {
      texts.push(m.text);
      // Ping-pong: the next message goes only after the reply to the last one came back.
      if (texts.length < Number(a)) {
        call.write({text: 'm' + texts.length});
      } else {
        call.end();
      }
    });
    call.on('error', failed);
    call.on('status', s => { if (s.code === 0) done({ok: true, count: texts.length, first: texts[0], last: texts[texts.length - 1]}); });
    call.write({text: 'm0'});
    break;
  }
  case 'interactive': {
    const call = client.Chat();
    call.on('data', m => console.log(JSON.stringify({reply: m.text})));
    call.on('error', failed);
    call.on('status', s => { if (s.code === 0) done({ok: true, code: 0}); });
    readline.createInterface({input: process.stdin}).on('line', line => call.write({text: line})).on('close', () => call.end());
    break;
  }
  default:
    console.error('unknown mode ' + mode);
    process.exit(2);
}
