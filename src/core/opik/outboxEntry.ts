/**
 * The state transitions of one delivery entry (OutboxTraceEntry), shared by the OutboxStore implementations
 * for the experiment queue, so both stores give an experiment the same semantics a trace has.
 */
import type { FailureMark, OutboxStatus, OutboxTraceEntry } from './outboxPort';

export const OFF_STATUS: OutboxStatus = { state: 'off', url: null, lastError: null, attempts: 0, nextAttemptAt: null, sentAt: null, projectId: null };

export const newEntry = (now: number): OutboxTraceEntry => ({ state: 'pending', enqueuedAt: now, attempts: 0, nextAttemptAt: null, lastError: null, sentAt: null, projectId: null, url: null });

export const sentEntry = (e: OutboxTraceEntry, info: { projectId: string | null; url: string | null; at: number }): OutboxTraceEntry => ({
  ...e,
  state: 'sent',
  sentAt: info.at,
  projectId: info.projectId,
  url: info.url,
  lastError: null,
  nextAttemptAt: null,
});

/** Null when nothing changes (a sent entry stays sent). */
export const failedEntry = (e: OutboxTraceEntry, info: FailureMark): OutboxTraceEntry | null =>
  e.state === 'sent' ? null : { ...e, attempts: e.attempts + 1, lastError: info.error, nextAttemptAt: info.permanent ? null : info.nextAttemptAt, state: info.permanent ? 'failed' : 'pending' };

export const retriedEntry = (e: OutboxTraceEntry, now: number): OutboxTraceEntry => ({ ...e, state: 'pending', attempts: 0, nextAttemptAt: now, lastError: null });

export const isDue = (e: OutboxTraceEntry, now: number): boolean => e.state === 'pending' && (e.nextAttemptAt === null || e.nextAttemptAt <= now);

export const statusOf = (e: OutboxTraceEntry | null | undefined): OutboxStatus =>
  e ? { state: e.state, url: e.url, lastError: e.lastError, attempts: e.attempts, nextAttemptAt: e.nextAttemptAt, sentAt: e.sentAt, projectId: e.projectId } : { ...OFF_STATUS };
