// A real SMTP server on loopback for Tether's mail tests. It requires AUTH PLAIN/LOGIN with
// SMTP_USER / SMTP_PASSWORD, accepts every message and prints one JSON line per message on
// stdout: {"from", "to", "user", "raw"}. The first line is "ready <port>".
import { SMTPServer } from 'smtp-server';

const user = process.env.SMTP_USER;
const password = process.env.SMTP_PASSWORD;

const server = new SMTPServer({
  // Plain text on loopback only: TLS is the SMTP library's business, not this test's.
  secure: false,
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  authMethods: ['PLAIN', 'LOGIN'],
  onAuth(auth, _session, callback) {
    if (auth.username === user && auth.password === password) {
      callback(null, { user: auth.username });
    } else {
      callback(new Error('Invalid username or password'));
    }
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      process.stdout.write(
        JSON.stringify({
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString('utf8'),
        }) + '\n',
      );
      callback();
    });
  },
  logger: false,
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${server.server.address().port}\n`);
});
