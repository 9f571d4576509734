/**
 * The delivery lease port: at most one process delivers an outbox queue of a store at a time (a VS Code
 * window, another window, a `codi` command). The store implements it (store/deliveryLease.ts); the delivery
 * loop (loop.ts) takes it for each pass and gives it back after, so a holder is only ever busy delivering.
 */
import { hostname } from 'node:os';

/** Who holds a lease, as written in its file. */
export interface LeaseHolder {
  pid: number;
  host: string;
  /** 'vscode' | 'cli' (or another front end's name). */
  client: string;
  /** When this holder took the lease (ms since the epoch). */
  since: number;
  /** Tells this holder from a later one with the same pid. */
  token: string;
}

export interface DeliveryLease {
  /** Takes the lease if it is free or its holder is gone; true when this process holds it (re-entrant: release as often). */
  tryAcquire(): Promise<boolean>;
  /** tryAcquire, retried until `waitMs` has passed. */
  acquire(waitMs: number): Promise<boolean>;
  /** Still ours? Refreshes it; false once another process took it over (stop delivering). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
  /** The live holder (this process included), or null when nobody delivers. */
  holder(): Promise<LeaseHolder | null>;
}

/** "CODI in VS Code (pid 4242, since 2026-11-28T16:20:01.000Z)" for messages and `codi opik status`. */
export function describeHolder(h: LeaseHolder | null): string {
  if (!h) return 'another CODI process';
  const who = h.client === 'vscode' ? 'CODI in VS Code' : h.client === 'cli' ? 'a `codi` command' : `CODI (${h.client})`;
  const where = h.host === hostname() ? '' : ` on ${h.host}`;
  return `${who} (pid ${h.pid}${where}, since ${new Date(h.since).toISOString()})`;
}

/** What a pass that found the lease taken reports: who delivers, and that nothing waits on us. */
export function busyMessage(what: string, h: LeaseHolder | null): string {
  return `${what} is being delivered by ${describeHolder(h)}; it sends what is queued, nothing is lost. Try again once it has finished.`;
}
