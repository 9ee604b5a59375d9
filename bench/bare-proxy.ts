// The naive floor of any Node hop: node:http in, undici out, bytes piped back. No auth, no
// routing, no logging, no header policy. Usage: node bare-proxy.js <port> <upstream-origin>
import { createServer } from 'node:http';
import { Agent, stream } from 'undici';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const dispatcher = new Agent({ keepAliveTimeout: 60_000, bodyTimeout: 0 });

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers = { ...req.headers, host: undefined };
    const options = { method: req.method as 'POST', headers, body: Buffer.concat(chunks), dispatcher };
    stream(upstream + req.url, options, ({ statusCode, headers }) => {
      res.writeHead(statusCode, headers as Record<string, string>);
      return res;
    }).catch(() => res.destroy());
  });
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0)); // exit normally, so --cpu-prof can write its profile
