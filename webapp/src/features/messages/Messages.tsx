import { useState } from 'react';
import { humanName, idOf, nameOf } from '../../fhir/practice';
import { addDays, formatDateTime, today } from '../../lib/time';
import { BusyButton, Empty, Loading, NotForRole, Notice, ProblemBox, useAction, useAsync } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';
import { Select } from '../hub/SchedulingHub';
import { counts, DELIVERY_BADGE, DELIVERY_LABELS, DELIVERY_STATUSES, rowOf, type Delivery, type OutboxRow } from './outbox';

const PERIODS: [string, string][] = [
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['90', 'Last 90 days'],
];

/** The outbox: what was sent to whom about what, what failed and why, and retry. */
export function Messages() {
  const api = useApi();
  const practice = usePractice();
  const [delivery, setDelivery] = useState<Delivery>();
  const [group, setGroup] = useState<string>();
  const [days, setDays] = useState('30');
  const [done, setDone] = useState<string>();

  const forRole = api.role !== 'BILLER' && api.role !== 'THERAPIST';
  const loaded = useAsync(async () => {
    if (!forRole) return undefined;
    const query = [
      'category=notification',
      `_lastUpdated=ge${addDays(today(practice.zone), -Number(days))}`,
      delivery ? `status=${DELIVERY_STATUSES[delivery]}` : '',
      group ? `about=${encodeURIComponent(group)}` : '',
      '_include=Communication:recipient:Patient',
      '_sort=-_lastUpdated',
      '_count=100',
    ].filter(Boolean);
    const { matches, included } = await api.searchWithIncludes(`Communication?${query.join('&')}`);
    const names = new Map<string, string>();
    for (const [ref, r] of included) {
      names.set(ref, 'name' in r ? humanName((r as fhir4.Patient).name) : ref);
    }
    return { rows: (matches as fhir4.Communication[]).map(rowOf), names };
  }, [delivery, group, days]);

  const retry = useAction(async (row: OutboxRow) => {
    await api.post(`${row.id}/$retry`, { resourceType: 'Parameters' });
    setDone(`The message to ${row.recipients.map((r) => who(r)).join(', ')} is queued again.`);
    loaded.reload();
  });

  if (!forRole) {
    return <NotForRole what="The outbox of practice messages is kept by the VAs and administrators." who="Ask a VA about a message." />;
  }

  const who = (ref: string) => loaded.data?.names.get(ref) ?? (ref.startsWith('Patient/') ? 'a member' : nameOf(practice, ref));
  const about = (refs: string[]) => {
    const g = refs.find((r) => r.startsWith('Group/'));
    const sessions = refs.filter((r) => r.startsWith('Appointment/')).length;
    return [g ? nameOf(practice, g) : undefined, sessions ? `${sessions} session${sessions === 1 ? '' : 's'}` : undefined].filter(Boolean).join(', ');
  };
  const rows = loaded.data?.rows ?? [];
  const tally = counts(rows);

  return (
    <div>
      <div className="toolbar" role="group" aria-label="Filters">
        <Select
          label="Delivery"
          value={delivery}
          onChange={(v) => setDelivery(v as Delivery | undefined)}
          options={(Object.keys(DELIVERY_LABELS) as Delivery[]).map((d) => [d, DELIVERY_LABELS[d]])}
        />
        <Select label="Group" value={group} onChange={setGroup} options={practice.groups.map((g) => [idOf(g), g.name ?? g.id!])} />
        <Select label="Period" value={days} placeholder="Last 30 days" onChange={(v) => setDays(v ?? '30')} options={PERIODS} />
      </div>
      {done && <Notice kind="ok" items={[done]} />}
      <ProblemBox problem={loaded.error} onRetry={loaded.reload} />
      <ProblemBox problem={retry.problem} />
      {loaded.loading && <Loading what="messages" />}
      {loaded.data && (
        <p className="muted" role="status">
          {rows.length} message{rows.length === 1 ? '' : 's'}
          {rows.length === 100 ? ' (the latest 100)' : ''}: {tally.sent} sent, {tally.failed} failed, {tally['not-sent']} not sent,{' '}
          {tally.queued + tally.sending} on their way.
        </p>
      )}
      {loaded.data && rows.length === 0 && <Empty>No messages match these filters.</Empty>}
      {rows.length > 0 && (
        <table>
          <caption className="sr-only">Messages, latest first</caption>
          <thead>
            <tr>
              <th>When</th>
              <th>To</th>
              <th>About</th>
              <th>Delivery</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>{row.when ? formatDateTime(row.when, practice.zone) : '—'}</td>
                <td>{row.recipients.map(who).join(', ')}</td>
                <td>
                  {row.topic}
                  <div className="muted">{about(row.about)}</div>
                  {row.body && (
                    <details>
                      <summary>Message</summary>
                      <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{row.body}</pre>
                    </details>
                  )}
                </td>
                <td>
                  <span className={`badge ${DELIVERY_BADGE[row.delivery]}`}>{DELIVERY_LABELS[row.delivery]}</span> by {row.medium}
                  {row.reason && <div>{row.reason}</div>}
                  {row.next && <div className="hint">{row.next}</div>}
                </td>
                <td>
                  {row.delivery === 'failed' && (
                    <BusyButton busy={retry.busy} className="secondary" onClick={() => void retry.go(row)} aria-label={`Retry the message to ${row.recipients.map(who).join(', ')}`}>
                      Retry
                    </BusyButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
