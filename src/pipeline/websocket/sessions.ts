// The open Responses WebSocket sessions of this process: the limits on how many (overall and
// per token), and the drain at shutdown (each finishes the response in flight, then gets a
// close frame with 1001; the shutdown deadline closes the rest).
import type WebSocket from 'ws';
import { GatewayError } from '../../errors/catalogue.js';
import { gatewayErrorFrame } from './frames.js';
import { ResponsesSession, type SessionDeps, type SessionOrigin } from './session.js';

export class ResponsesSessions {
  private readonly open = new Set<ResponsesSession>();
  private readonly perToken = new Map<string, number>();
  private draining_ = false;

  constructor(
    private readonly deps: SessionDeps,
    private readonly onCountChanged: (open: number) => void = () => undefined,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Set once shutdown began: new sessions are refused. */
  get draining(): boolean {
    return this.draining_;
  }

  /** Serves a client socket that has just been upgraded, or refuses it with an error frame (429) and a close. */
  accept(client: WebSocket, origin: SessionOrigin): void {
    const { maxSessions, maxSessionsPerToken } = this.deps.config;
    const tokenId = origin.token?.id;
    const mine = tokenId === undefined ? 0 : (this.perToken.get(tokenId) ?? 0);
    if (this.draining_) {
      client.send(gatewayErrorFrame(new GatewayError('shutting_down', 'The gateway is shutting down; open a new connection shortly.')));
      client.close(1012, 'server restarting');
      return;
    }
    let refusal: string | undefined;
    if (this.open.size >= maxSessions) refusal = `The gateway has ${maxSessions} WebSocket sessions open, its limit; try again shortly or use HTTP.`;
    else if (mine >= maxSessionsPerToken) refusal = `This token has ${maxSessionsPerToken} WebSocket sessions open, its limit; close one or use HTTP.`;
    if (refusal) {
      client.send(gatewayErrorFrame(new GatewayError('websocket_session_limit', refusal)));
      client.close(1013, 'too many sessions');
      return;
    }
    const session = new ResponsesSession(this.deps, client, origin);
    this.open.add(session);
    if (tokenId !== undefined) this.perToken.set(tokenId, mine + 1);
    this.onCountChanged(this.open.size);
    void session.done.then(() => {
      this.open.delete(session);
      if (tokenId !== undefined) {
        const left = (this.perToken.get(tokenId) ?? 1) - 1;
        if (left > 0) this.perToken.set(tokenId, left);
        else this.perToken.delete(tokenId);
      }
      this.onCountChanged(this.open.size);
    });
  }

  /** Lets every session finish its response in flight, then closes it (1001); after `deadlineMs` closes the rest. */
  async drain(deadlineMs: number): Promise<void> {
    this.draining_ = true;
    for (const s of this.open) s.closeWhenIdle();
    const all = Promise.all([...this.open].map((s) => s.done));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const s of this.open) s.close(1001, 'server shutting down');
        resolve();
      }, deadlineMs);
    });
    await Promise.race([all, deadline]);
    clearTimeout(timer);
    // Sessions cut at the deadline are given a moment to send their close frames.
    await Promise.race([Promise.all([...this.open].map((s) => s.done)), new Promise((r) => setTimeout(r, 1_000).unref())]);
  }
}
