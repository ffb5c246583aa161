import { useState } from 'react';
import { all, build, int, num, ref, reference, str, texts } from '../../fhir/parameters';
import { humanName, idOf, nameOf, seriesOf, SD } from '../../fhir/practice';
import { formatDate, formatTime, zoneSuffix } from '../../lib/time';
import { BusyButton, Field, Notice, ProblemBox, useAction, useAsync } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';
import type { HubSession } from './sessions';

type Action = 'none' | 'cancel' | 'skip' | 'move' | 'substitute' | 'amend' | 'cancel-series';

/** One session: who and where, and what a VA does with it. */
export function SessionPanel({ session, onClose, onChanged }: { session: HubSession; onClose: () => void; onChanged: () => void }) {
  const api = useApi();
  const practice = usePractice();
  const [action, setAction] = useState<Action>('none');
  const [done, setDone] = useState<string>();
  const members = useAsync(async () => {
    const ids = (session.appointment.participant ?? [])
      .map((p) => p.actor?.reference ?? '')
      .filter((r) => r.startsWith('Patient/'))
      .map((r) => r.slice('Patient/'.length));
    if (ids.length === 0) return [];
    return api.search<fhir4.Patient>(`Patient?_id=${ids.join(',')}&_count=100`, 1);
  }, [session.id]);
  const future = Date.parse(session.start) > Date.now();
  const series = seriesOf(session.appointment);

  const finish = (message: string) => {
    setDone(message);
    setAction('none');
    onChanged();
  };

  return (
    <section className="card" aria-labelledby="session-title">
      <div className="spread">
        <h3 id="session-title">
          {session.title}
          {session.number ? `, session ${session.number}` : ''}
        </h3>
        <button className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <p>
        {formatDate(session.start, session.zone)}, {formatTime(session.start, session.zone)}–{formatTime(session.end, session.zone)}
        {zoneSuffix(session.zone, new Date(session.start))} · {session.place} · {session.practitioners.map((p) => nameOf(practice, p)).join(', ')} ·{' '}
        {session.members} members{session.openSeats !== undefined ? `, ${session.openSeats} open seats` : ''} · <span className="badge">{session.status}</span>
      </p>
      {session.conflicts.length > 0 && <Notice kind="warn" title="Conflicts" items={session.conflicts} />}
      {done && <Notice kind="ok" title={done} items={[]} />}
      {future && session.status !== 'cancelled' ? (
        <div className="row" role="group" aria-label="Session actions">
          <button className="secondary" onClick={() => setAction('substitute')}>Find a substitute</button>
          <button className="secondary" onClick={() => setAction('skip')}>A member skips</button>
          <button className="secondary" onClick={() => setAction('move')}>Move a member</button>
          <button className="secondary" onClick={() => setAction('cancel')}>Cancel session</button>
          {series && <button className="secondary" onClick={() => setAction('amend')}>Change series from here</button>}
          {series && <button className="secondary" onClick={() => setAction('cancel-series')}>Cancel series from here</button>}
        </div>
      ) : (
        <p className="hint">{session.status === 'cancelled' ? 'This session is cancelled.' : 'This session is over: take its attendance on the Attendance screen.'}</p>
      )}
      {action === 'cancel' && <CancelSession session={session} onDone={finish} />}
      {action === 'skip' && <MemberAction kind="skip" session={session} members={members.data ?? []} onDone={finish} />}
      {action === 'move' && <MemberAction kind="move" session={session} members={members.data ?? []} onDone={finish} />}
      {action === 'substitute' && <Substitute session={session} onDone={finish} />}
      {action === 'amend' && series && <AmendSeries session={session} series={series} onDone={finish} />}
      {action === 'cancel-series' && series && <CancelSeries session={session} series={series} onDone={finish} />}
    </section>
  );
}

function CancelSession({ session, onDone }: { session: HubSession; onDone: (m: string) => void }) {
  const api = useApi();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const cancel = useAction(async () => {
    await api.post(`${session.id}/$cancel-session`, build([['reason', str(reason)]]));
    onDone('Session cancelled; members and facilitators are told.');
  });
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        if (!reason.trim()) return setError('Say why: members and facilitators are told.');
        setError(undefined);
        void cancel.go();
      }}
    >
      <Field label="Reason for cancelling" error={error ?? cancel.problem?.byField.reason}>
        {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <BusyButton busy={cancel.busy} className="danger" type="submit">
        Cancel this session
      </BusyButton>
      <ProblemBox problem={cancel.problem} />
    </form>
  );
}

function MemberAction({
  kind,
  session,
  members,
  onDone,
}: {
  kind: 'skip' | 'move';
  session: HubSession;
  members: fhir4.Patient[];
  onDone: (m: string) => void;
}) {
  const api = useApi();
  const practice = usePractice();
  const [member, setMember] = useState('');
  const [reason, setReason] = useState('');
  const [to, setTo] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const targets = useAsync(async () => {
    if (kind !== 'move') return [];
    const from = new Date(Date.now()).toISOString().slice(0, 10);
    const until = new Date(Date.now() + 28 * 86400000).toISOString().slice(0, 10);
    const found = await api.search<fhir4.Appointment>(
      `Appointment?date=ge${from}&date=le${until}&status=booked&_profile=${encodeURIComponent(SD + 'group-session')}&_count=200`,
      3,
    );
    const group = session.group ? idOf(session.group) : undefined;
    return found.filter((a) => !a.supportingInformation?.some((r) => r.reference === group));
  }, [kind, session.id]);
  const run = useAction(async () => {
    if (kind === 'skip') {
      await api.post(`${session.id}/$skip-session`, build([['member', reference(member)], ['reason', str(reason || undefined)]]));
      onDone('The member skips this session; the facilitators are told.');
    } else {
      await api.post(`${session.id}/$move-member`, build([['member', reference(member)], ['to', reference(to)]]));
      onDone('The member moves to the make-up session; everyone concerned is told.');
    }
  });
  return (
    <form
      className="card"
      onSubmit={(e) => {
        e.preventDefault();
        const found: Record<string, string> = {};
        if (!member) found.member = 'Choose the member.';
        if (kind === 'move' && !to) found.to = 'Choose the make-up session.';
        setErrors(found);
        if (Object.keys(found).length === 0) void run.go();
      }}
    >
      <Field label="Member" error={errors.member ?? run.problem?.byField.member}>
        {(p) => (
          <select {...p} value={member} onChange={(e) => setMember(e.target.value)}>
            <option value="">Choose…</option>
            {members.map((m) => (
              <option key={m.id} value={idOf(m)}>
                {humanName(m.name)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {kind === 'skip' ? (
        <Field label="Reason (for the facilitators)">{(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
      ) : (
        <Field label="Make-up session" error={errors.to ?? run.problem?.byField.to}>
          {(p) => (
            <select {...p} value={to} onChange={(e) => setTo(e.target.value)}>
              <option value="">Choose…</option>
              {(targets.data ?? []).map((a) => (
                <option key={a.id} value={idOf(a)}>
                  {nameOf(practice, a.supportingInformation?.find((r) => r.reference?.startsWith('Group/'))?.reference)} ·{' '}
                  {formatDate(a.start!, practice.zone)} {formatTime(a.start!, practice.zone)}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <BusyButton busy={run.busy} type="submit">
        {kind === 'skip' ? 'Record the skip' : 'Move the member'}
      </BusyButton>
      <ProblemBox problem={run.problem} />
    </form>
  );
}

function Substitute({ session, onDone }: { session: HubSession; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [reason, setReason] = useState('');
  const found = useAsync(() => api.get<fhir4.Parameters>(`${session.id}/$find-substitute`), [session.id]);
  const assign = useAction(async (practitioner: string) => {
    await api.post(`${session.id}/$assign-substitute`, build([['substitute', reference(practitioner)], ['reason', str(reason || undefined)]]));
    onDone(`${nameOf(practice, practitioner)} covers this session; everyone concerned is told.`);
  });
  const candidates = all(found.data, 'candidate');
  const excluded = all(found.data, 'excluded');
  return (
    <div className="card" aria-live="polite">
      <h4>Substitutes for {nameOf(practice, ref(found.data, 'replacing')?.reference)}</h4>
      {found.loading && <p className="muted">Ranking the practitioners…</p>}
      <ProblemBox problem={found.error} onRetry={found.reload} />
      <Field label="Reason (added to the session)">{(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}</Field>
      {candidates.length === 0 && !found.loading && <p>No practitioner is free and qualified for this session.</p>}
      <ol>
        {candidates.map((c) => {
          const who = ref(c, 'practitioner');
          return (
            <li key={who?.reference} style={{ marginBottom: '0.5rem' }}>
              <strong>{who?.display ?? nameOf(practice, who?.reference)}</strong> · score {Math.round(num(c, 'score') ?? 0)}
              <ul className="hint">
                {texts(c, 'reason').map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              <BusyButton busy={assign.busy} onClick={() => void assign.go(who!.reference!)}>
                Assign {who?.display ?? nameOf(practice, who?.reference)}
              </BusyButton>
            </li>
          );
        })}
      </ol>
      <ProblemBox problem={assign.problem} />
      {excluded.length > 0 && (
        <details>
          <summary>Not possible ({excluded.length})</summary>
          <ul className="hint">
            {excluded.map((x) => (
              <li key={ref(x, 'practitioner')?.reference}>
                {nameOf(practice, ref(x, 'practitioner')?.reference)}: {texts(x, 'reason').join('; ')}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function AmendSeries({ session, series, onDone }: { session: HubSession; series: string; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [time, setTime] = useState('');
  const [minutes, setMinutes] = useState('');
  const [facilitator, setFacilitator] = useState('');
  const [override, setOverride] = useState('');
  const amend = useAction(async () => {
    await api.post(
      `${session.group ? idOf(session.group) : ''}/$amend-series`,
      build([
        ['series', str(series)],
        ['fromSession', int(session.number)],
        ['time', time ? { valueTime: `${time}:00` } : undefined],
        ['durationMinutes', int(minutes ? Number(minutes) : undefined)],
        ['facilitator', reference(facilitator || undefined)],
        ['overrideReason', str(override || undefined)],
      ]),
      { Prefer: 'return=minimal' },
    );
    onDone(`Sessions from number ${session.number} changed; everyone concerned is told.`);
  });
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); void amend.go(); }}>
      <p className="hint">Changes every booked session of this series from session {session.number} on. Leave a field empty to keep it.</p>
      <div className="row">
        <Field label="New start time" error={amend.problem?.byField.time}>{(p) => <input {...p} type="time" value={time} onChange={(e) => setTime(e.target.value)} />}</Field>
        <Field label="New length (minutes)" error={amend.problem?.byField.durationMinutes}>{(p) => <input {...p} type="number" value={minutes} onChange={(e) => setMinutes(e.target.value)} />}</Field>
        <Field label="New primary facilitator" error={amend.problem?.byField.facilitator}>
          {(p) => (
            <select {...p} value={facilitator} onChange={(e) => setFacilitator(e.target.value)}>
              <option value="">Keep</option>
              {practice.practitioners.map((x) => (
                <option key={x.id} value={idOf(x)}>{humanName(x.name)}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Change anyway because… (only if it conflicts)">{(p) => <input {...p} value={override} onChange={(e) => setOverride(e.target.value)} />}</Field>
      <BusyButton busy={amend.busy} type="submit">Change the series</BusyButton>
      <ProblemBox problem={amend.problem} />
    </form>
  );
}

function CancelSeries({ session, series, onDone }: { session: HubSession; series: string; onDone: (m: string) => void }) {
  const api = useApi();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const cancel = useAction(async () => {
    await api.post(
      `${session.group ? idOf(session.group) : ''}/$cancel-series`,
      build([['series', str(series)], ['reason', str(reason)], ['fromSession', int(session.number)]]),
      { Prefer: 'return=minimal' },
    );
    onDone(`The series is cancelled from session ${session.number}; everyone concerned is told.`);
  });
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); if (!reason.trim()) return setError('Say why.'); void cancel.go(); }}>
      <Field label="Reason for cancelling the rest of the series" error={error ?? cancel.problem?.byField.reason}>
        {(p) => <input {...p} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <BusyButton busy={cancel.busy} className="danger" type="submit">Cancel from session {session.number}</BusyButton>
      <ProblemBox problem={cancel.problem} />
    </form>
  );
}
