/** Notification Communications as the outbox screen shows them. */
export type Delivery = 'queued' | 'sending' | 'sent' | 'failed' | 'not-sent';

export const DELIVERY_LABELS: Record<Delivery, string> = {
  queued: 'Queued',
  sending: 'Sending again',
  sent: 'Sent',
  failed: 'Failed',
  'not-sent': 'Not sent',
};

export const DELIVERY_BADGE: Record<Delivery, string> = {
  queued: 'warn',
  sending: 'warn',
  sent: 'ok',
  failed: 'bad',
  'not-sent': 'bad',
};

/** The FHIR statuses each delivery state is searched by. */
export const DELIVERY_STATUSES: Record<Delivery, string> = {
  queued: 'preparation',
  sending: 'in-progress',
  sent: 'completed',
  failed: 'stopped',
  'not-sent': 'not-done',
};

export function deliveryOf(c: fhir4.Communication): Delivery {
  switch (c.status) {
    case 'completed':
      return 'sent';
    case 'stopped':
    case 'entered-in-error':
      return 'failed';
    case 'not-done':
      return 'not-sent';
    case 'in-progress':
      return 'sending';
    default:
      return 'queued';
  }
}

/** What to do about a message, in words. */
export function nextStep(c: fhir4.Communication): string | undefined {
  switch (deliveryOf(c)) {
    case 'failed':
      return 'Check the address on file, then retry.';
    case 'not-sent':
      return c.statusReason?.text?.includes('phone') ? 'Call them: there is no email address on file.' : 'Contact them another way.';
    case 'queued':
      return 'The outbox sends it shortly and retries by itself if the mail server is down.';
    default:
      return undefined;
  }
}

export interface OutboxRow {
  id: string;
  when: string;
  recipients: string[];
  topic: string;
  about: string[];
  medium: string;
  delivery: Delivery;
  reason?: string;
  /** What to do about it, in words. */
  next?: string;
  body?: string;
}

export function rowOf(c: fhir4.Communication): OutboxRow {
  return {
    id: `Communication/${c.id}`,
    when: c.sent ?? c.meta?.lastUpdated ?? '',
    recipients: (c.recipient ?? []).map((r) => r.reference ?? '').filter(Boolean),
    topic: c.topic?.text ?? c.category?.[0]?.coding?.[0]?.code ?? 'Message',
    about: (c.about ?? []).map((r) => r.reference ?? '').filter(Boolean),
    medium: c.medium?.[0]?.coding?.[0]?.display ?? c.medium?.[0]?.text ?? 'email',
    delivery: deliveryOf(c),
    reason: c.statusReason?.text,
    next: nextStep(c),
    body: c.payload?.find((p) => p.contentString)?.contentString,
  };
}

export function counts(rows: OutboxRow[]): Record<Delivery, number> {
  const out: Record<Delivery, number> = { queued: 0, sending: 0, sent: 0, failed: 0, 'not-sent': 0 };
  for (const r of rows) out[r.delivery]++;
  return out;
}
