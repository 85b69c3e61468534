// A gRPC server of @grpc/grpc-js on 127.0.0.1 and a free port (h2c), for the proxy's gRPC tests.
// Prints "listening <port>" once bound. Every answer names the server (argv[2]), so a test can
// tell which endpoint answered.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const name = process.argv[2] || 'server';
// argv[3]: the port to listen on (default: a free one); MAX_STREAMS: SETTINGS_MAX_CONCURRENT_STREAMS.
const port = Number(process.argv[3] || 0);
const options = process.env.MAX_STREAMS ? {'grpc.max_concurrent_streams': Number(process.env.MAX_STREAMS)} : {};
const proto = grpc.loadPackageDefinition(loader.loadSync(path.join(__dirname, 'echo.proto'), {keepCase: true})).swarm.test;

const server = new grpc.Server(options);
server.addService(proto.Echo.service, {
  Unary(call, callback) {
    const m = call.request;
    const answer = () => {
      if (m.fail_code > 0) {
        const trailer = new grpc.Metadata();
        trailer.set('x-detail', 'from ' + name);
        callback({code: m.fail_code, details: m.text, metadata: trailer});
      } else {
        callback(null, {text: name + ':' + m.text});
      }
    };
    if (m.delay_ms > 0) {
      setTimeout(answer, m.delay_ms);
    } else {
      answer();
    }
  },
  ServerStream(call) {
    const m = call.request;
    for (let i = 0; i < m.count; i++) {
      call.write({text: name + ':' + m.text + ':' + i});
    }
    call.end();
  },
  Chat(call) {
    call.on('data', m => call.write({text: name + ':' + m.text}));
    call.on('end', () => call.end());
  },
});
server.bindAsync('127.0.0.1:' + port, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log('listening ' + bound);
});
process.on('SIGTERM', () => server.forceShutdown());
// SIGUSR2: a graceful shutdown: GOAWAY to every connection, no new calls, the calls in progress end normally.
process.on('SIGUSR2', () => server.tryShutdown(() => process.exit(0)));
