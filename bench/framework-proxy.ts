// The bare proxy again, behind Fastify instead of raw node:http: what the gateway's framework
// costs on its own. Same undici call, same piping; Fastify routes the request, collects the body
// (as a Buffer, no parsing) and hands over the raw response. Opt-in (`--only=bare,framework,gateway`):
// it separates the framework's share of the gateway's cost from the features' share.
// Usage: node framework-proxy.js <port> <upstream-origin>
import Fastify from 'fastify';
import { Agent, stream } from 'undici';

const [port, upstream] = [Number(process.argv[2]), process.argv[3]!];
const dispatcher = new Agent({ keepAliveTimeout: 60_000, bodyTimeout: 0 });

const app = Fastify({ logger: false });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
app.post('/v1/responses', (request, reply) => {
  reply.hijack();
  const [req, res] = [request.raw, reply.raw];
  const headers = { ...req.headers, host: undefined };
  const options = { method: 'POST' as const, headers, body: request.body as Buffer, dispatcher };
  stream(upstream + req.url, options, ({ statusCode, headers }) => {
    res.writeHead(statusCode, headers as Record<string, string>);
    return res;
  }).catch(() => res.destroy());
});
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0)); // exit normally, so --cpu-prof can write its profile
