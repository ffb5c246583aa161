import { useState } from 'react';
import { all, bool, build, num, one, ref, reference, text } from '../../fhir/parameters';
import { activeMembers, groupCapacity, humanName, idOf, nameOf } from '../../fhir/practice';
import { addDays, formatDate, formatDateTime, formatTime, today, zonedIso } from '../../lib/time';
import { entriesOf } from '../calendar/entries';
import { BusyButton, Empty, Field, Loading, Notice, NotForRole, ProblemBox, useAction, useAsync } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';
import { CONSENT_KINDS, consentState, newConsent, STATE_BADGE } from './consents';

const STAGES: [string, string][] = [
  ['referral-received', 'Referral received'],
  ['screening-scheduled', 'Screening scheduled'],
  ['screening-done', 'Screening done'],
  ['consents-signed', 'Consents signed'],
  ['placement-decided', 'Placement decided'],
  ['orientation-sent', 'Orientation sent'],
];

export interface IntakeRow {
  task: string;
  patient: string;
  referral?: string;
  stage: string;
  since?: string;
  days: number;
  nextAction: string;
  owner?: string;
  stale: boolean;
  screenings: { instrument: string; total?: number; band?: string; date?: string }[];
  reviewRequired: boolean;
}

export function intakeRows(board: fhir4.Parameters | undefined): IntakeRow[] {
  return all(board, 'intake').map((i) => ({
    task: ref(i, 'task')?.reference ?? '',
    patient: ref(i, 'patient')?.reference ?? '',
    referral: ref(i, 'referral')?.reference,
    stage: one(i, 'stage')?.valueCoding?.code ?? 'referral-received',
    since: text(i, 'since'),
    days: num(i, 'daysInStage') ?? 0,
    nextAction: text(i, 'nextAction') ?? '',
    owner: ref(i, 'owner')?.reference,
    stale: bool(i, 'stale') ?? false,
    screenings: all(i, 'screening').map((s) => ({
      instrument: one(s, 'instrument')?.valueCoding?.display ?? one(s, 'instrument')?.valueCoding?.code ?? 'Screening',
      total: num(s, 'total'),
      band: text(s, 'band'),
      date: text(s, 'date'),
    })),
    reviewRequired: bool(i, 'reviewRequired') ?? false,
  }));
}

/** The intake pipeline as columns by stage; one intake's next steps. */
export function IntakeBoard() {
  const api = useApi();
  const practice = usePractice();
  const [open, setOpen] = useState<string>();
  const forRole = api.role !== 'BILLER' && api.role !== 'PATIENT';
  const board = useAsync(async () => (forRole ? api.get<fhir4.Parameters>('Task/$intake-board') : undefined), []);
  const rows = intakeRows(board.data);
  const names = useAsync(async () => {
    const ids = [...new Set(rows.map((r) => r.patient.slice(8)))];
    const map = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 50) {
      (await api.search<fhir4.Patient>(`Patient?_id=${ids.slice(i, i + 50).join(',')}&_count=50`, 1)).forEach((p) => map.set(idOf(p), humanName(p.name)));
    }
    return map;
  }, [board.data]);
  const current = rows.find((r) => r.task === open);

  if (!forRole) {
    return <NotForRole what="Intake is run by the VAs and the screening therapists." who="Billing starts once a member attends." />;
  }
  return (
    <div>
      <ProblemBox problem={board.error} onRetry={board.reload} />
      {board.loading && <Loading what="the intake board" />}
      {board.data && (
        <p className="hint">
          {num(board.data, 'total') ?? 0} open intakes, {num(board.data, 'stale') ?? 0} stale (a week or more in one stage).
        </p>
      )}
      {current ? (
        <Intake row={current} name={names.data?.get(current.patient) ?? 'The person'} onBack={() => { setOpen(undefined); board.reload(); }} onChanged={board.reload} />
      ) : (
        <div className="columns" role="list" aria-label="Intake stages" tabIndex={0}>
          {STAGES.map(([code, label]) => {
            const inStage = rows.filter((r) => r.stage === code);
            return (
              <section key={code} className="column" role="listitem" aria-label={`${label}: ${inStage.length}`}>
                <h3>
                  {label} <span className="badge">{inStage.length}</span>
                </h3>
                {inStage.length === 0 && <p className="hint">None</p>}
                {inStage.map((r) => (
                  <article key={r.task} className={`tile${r.stale ? ' stale' : ''}`}>
                    <strong>{names.data?.get(r.patient) ?? 'Person'}</strong>
                    <div className="hint">
                      {r.days} day{r.days === 1 ? '' : 's'} in stage{r.stale ? ' · stale' : ''}
                      {r.owner ? ` · ${nameOf(practice, r.owner)}` : ''}
                      {r.reviewRequired ? ' · clinician review' : ''}
                    </div>
                    <div className="hint">Next: {r.nextAction}</div>
                    <button className="secondary" onClick={() => setOpen(r.task)} aria-label={`Open the intake of ${names.data?.get(r.patient) ?? 'this person'}`}>
                      Open
                    </button>
                  </article>
                ))}
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}

function Intake({ row, name, onBack, onChanged }: { row: IntakeRow; name: string; onBack: () => void; onChanged: () => void }) {
  const practice = usePractice();
  const [done, setDone] = useState<string>();
  const stageIndex = STAGES.findIndex(([c]) => c === row.stage);
  const finish = (message: string) => {
    setDone(message);
    onChanged();
  };
  return (
    <section className="card" aria-labelledby="intake-title">
      <div className="spread">
        <h3 id="intake-title">Intake of {name}</h3>
        <button className="secondary" onClick={onBack}>
          Back to the board
        </button>
      </div>
      <ol className="row" aria-label="Stages" style={{ listStyle: 'none', padding: 0 }}>
        {STAGES.map(([code, label], i) => (
          <li key={code} className={`badge${i < stageIndex ? ' ok' : i === stageIndex ? ' warn' : ''}`} aria-current={i === stageIndex ? 'step' : undefined}>
            {label}
          </li>
        ))}
      </ol>
      <p>
        <strong>Next:</strong> {row.nextAction} ({row.days} days in this stage{row.owner ? `, owner ${nameOf(practice, row.owner)}` : ''})
      </p>
      {done && <Notice kind="ok" title={done} items={[]} />}
      <div className="grid2">
        <div>
          {row.stage === 'referral-received' && <BookScreening row={row} onDone={finish} />}
          {row.stage === 'screening-scheduled' && (
            <p className="hint">
              The screening therapist collects the PHQ-9, GAD-7 and group readiness answers; the intake moves on by itself
              once they are scored.
            </p>
          )}
          {(row.stage === 'screening-done' || row.stage === 'consents-signed') && <Consents row={row} onDone={finish} />}
          {row.stage === 'consents-signed' && <Placement row={row} onDone={finish} />}
          {row.stage === 'placement-decided' && <Orientation row={row} name={name} onDone={finish} />}
          {row.stage === 'orientation-sent' && <p className="hint">Waiting for the first session: its attendance closes the intake.</p>}
        </div>
        <div>
          <h4>Screening</h4>
          {row.screenings.length === 0 ? (
            <Empty>No screening scored yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Instrument</th>
                  <th className="num">Total</th>
                  <th>Band</th>
                </tr>
              </thead>
              <tbody>
                {row.screenings.map((s, i) => (
                  <tr key={i}>
                    <td>{s.instrument}</td>
                    <td className="num">{s.total ?? '—'}</td>
                    <td>{s.band ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="hint">Scores and bands only: the answers stay with the clinicians.</p>
          {row.reviewRequired && <Notice kind="warn" title="Clinician review required" items={['A therapist must review the screening before placement.']} />}
        </div>
      </div>
    </section>
  );
}

function BookScreening({ row, onDone }: { row: IntakeRow; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [therapist, setTherapist] = useState(row.owner?.startsWith('Practitioner/') ? row.owner : '');
  const [slot, setSlot] = useState<string>();
  const [minutes, setMinutes] = useState(50);
  const slots = useAsync(async () => {
    if (!therapist) return [];
    const start = addDays(today(practice.zone), 1);
    const out = await api.get<fhir4.Parameters>(`${therapist}/$calendar?start=${start}&end=${addDays(start, 13)}`);
    return freeSlots(out, minutes, practice.zone).slice(0, 24);
  }, [therapist, minutes]);
  const book = useAction(async () => {
    const [start, end] = slot!.split('|');
    const appointment: fhir4.Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      description: 'Screening for group therapy',
      serviceType: [{ text: 'Screening' }],
      start,
      end,
      basedOn: row.referral ? [{ reference: row.referral }] : undefined,
      participant: [
        { actor: { reference: therapist }, status: 'accepted', required: 'required' },
        { actor: { reference: row.patient }, status: 'accepted', required: 'required' },
      ],
    };
    await api.post('Appointment', appointment);
    onDone(`Screening booked with ${nameOf(practice, therapist)} on ${formatDateTime(start, practice.zone)}.`);
  });
  return (
    <form onSubmit={(e) => { e.preventDefault(); if (slot) void book.go(); }}>
      <h4>Book the screening</h4>
      <Field label="Screening therapist">
        {(p) => (
          <select {...p} value={therapist} onChange={(e) => { setTherapist(e.target.value); setSlot(undefined); }}>
            <option value="">Choose…</option>
            {practice.practitioners.map((x) => (
              <option key={x.id} value={idOf(x)}>{humanName(x.name)}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Length (minutes)">{(p) => <input {...p} type="number" min={15} max={120} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} />}</Field>
      {slots.loading && therapist && <Loading what="free times" />}
      <ProblemBox problem={slots.error} />
      {therapist && slots.data && (
        <fieldset>
          <legend>Free times in the next two weeks</legend>
          {slots.data.length === 0 && <p>No free time in working hours: try another therapist.</p>}
          <div className="row">
            {slots.data.map((s) => (
              <label key={s.value} className="badge" style={{ fontWeight: 400 }}>
                <input type="radio" name="slot" value={s.value} checked={slot === s.value} onChange={() => setSlot(s.value)} /> {s.label}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <BusyButton busy={book.busy} type="submit" disabled={!slot}>Book screening</BusyButton>
      <ProblemBox problem={book.problem} />
    </form>
  );
}

/** Free times of a given length inside working hours (or 9–17 on weekdays) between busy entries. */
export function freeSlots(calendar: fhir4.Parameters, minutes: number, zone: string): { value: string; label: string }[] {
  const entries = entriesOf(calendar).map((e) => ({ ...e, start: Date.parse(e.start), end: Date.parse(e.end) }));
  const busy = entries.filter((e) => e.kind !== 'working-hours' && e.status === 'busy');
  let windows = entries.filter((e) => e.kind === 'working-hours').map((e) => [e.start, e.end] as [number, number]);
  if (windows.length === 0) {
    const first = text(calendar, 'start')!;
    windows = [];
    for (let d = 0; d < 14; d++) {
      const day = addDays(first, d);
      const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      windows.push([Date.parse(zonedIso(day, '09:00', zone)), Date.parse(zonedIso(day, '17:00', zone))]);
    }
  }
  const out: { value: string; label: string }[] = [];
  const step = 30 * 60000;
  const length = minutes * 60000;
  for (const [from, to] of windows) {
    for (let t = Math.ceil(from / step) * step; t + length <= to; t += step) {
      if (t < Date.now()) continue;
      if (busy.some((b) => t < b.end && b.start < t + length)) continue;
      const start = new Date(t).toISOString();
      out.push({ value: `${start}|${new Date(t + length).toISOString()}`, label: `${formatDate(start, zone)} ${formatTime(start, zone)}` });
    }
  }
  return out;
}

function Consents({ row, onDone }: { row: IntakeRow; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const day = today(practice.zone);
  const consents = useAsync(() => api.search<fhir4.Consent>(`Consent?patient=${row.patient}&_count=50`, 1), [row.patient]);
  const write = useAction(async (kind: string, state: 'sent' | 'signed') => {
    await api.post('Consent', newConsent(row.patient, kind, state, day));
    consents.reload();
    onDone(`${CONSENT_KINDS[kind]} ${state === 'signed' ? 'recorded as signed' : 'sent for signature'}.`);
  });
  return (
    <div>
      <h4>Consents</h4>
      <ProblemBox problem={consents.error ?? write.problem} />
      <table>
        <tbody>
          {Object.entries(CONSENT_KINDS).map(([kind, label]) => {
            const state = consentState(consents.data ?? [], kind, day);
            return (
              <tr key={kind}>
                <th scope="row">{label}</th>
                <td>
                  <span className={`badge ${STATE_BADGE[state]}`}>{state}</span>
                </td>
                <td className="row">
                  {state !== 'signed' && (
                    <>
                      <BusyButton busy={write.busy} className="secondary" onClick={() => void write.go(kind, 'sent')} aria-label={`Send ${label}`}>
                        Send
                      </BusyButton>
                      <BusyButton busy={write.busy} onClick={() => void write.go(kind, 'signed')} aria-label={`Record ${label} as signed`}>
                        Record signed
                      </BusyButton>
                    </>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="hint">Telehealth consent is needed only for a group that meets by video.</p>
    </div>
  );
}

function Placement({ row, onDone }: { row: IntakeRow; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [group, setGroup] = useState('');
  const mayRank = api.role === 'THERAPIST' || api.role === 'ADMIN' || api.role === 'VA';
  const ranking = useAsync(async () => (mayRank ? api.get<fhir4.Parameters>(`${row.patient}/$place`) : undefined), [row.patient, mayRank]);
  const enrol = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(`${group}/$member-add`, build([['patient', reference(row.patient)], ['waitlistIfFull', { valueBoolean: true }]]));
    const position = num(out, 'waitlistPosition');
    onDone(position ? `The group is full: number ${position} on its waitlist.` : `Enrolled in ${nameOf(practice, group)}: ${num(out, 'sessions') ?? 0} sessions joined.`);
  });
  const day = today(practice.zone);
  return (
    <div>
      <h4>Placement</h4>
      {mayRank ? (
        <>
          {ranking.loading && <Loading what="the ranking" />}
          <ProblemBox problem={ranking.error} />
          {ranking.data && bool(ranking.data, 'reviewRequired') && <Notice kind="warn" title="Review required" items={['The ranking is advice: a clinician decides.']} />}
          {api.role === 'VA' && (
            <p className="hint">The ranking weighs the screening; its clinical reasons stay with the screening therapist.</p>
          )}
          <ol>
            {all(ranking.data, 'candidate').map((c) => (
              <li key={ref(c, 'group')?.reference}>
                <button className="link" onClick={() => setGroup(ref(c, 'group')!.reference!)}>
                  {nameOf(practice, ref(c, 'group')?.reference)}
                </button>{' '}
                · score {(num(c, 'score') ?? 0).toFixed(2)}
                <ul className="hint">
                  {all(c, 'reason').map((r, i) => (
                    <li key={i}>{r.valueString}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ol>
        </>
      ) : (
        <p className="hint">
          Choosing the group is a clinical decision: the screening therapist ranks the groups for this person. Enrol them in
          the group the therapist chose.
        </p>
      )}
      <Field label="Group to enrol in" error={enrol.problem?.byField.patient}>
        {(p) => (
          <select {...p} value={group} onChange={(e) => setGroup(e.target.value)}>
            <option value="">Choose…</option>
            {practice.groups.map((g) => {
              const cap = groupCapacity(g);
              const members = activeMembers(g, day).length;
              return (
                <option key={g.id} value={idOf(g)}>
                  {g.name} ({members}/{cap ?? '?'}{cap !== undefined && members >= cap ? ', full: waitlist' : ''})
                </option>
              );
            })}
          </select>
        )}
      </Field>
      <BusyButton busy={enrol.busy} disabled={!group} onClick={() => void enrol.go()}>
        Enrol
      </BusyButton>
      <ProblemBox problem={enrol.problem} />
    </div>
  );
}

function Orientation({ row, name, onDone }: { row: IntakeRow; name: string; onDone: (m: string) => void }) {
  const api = useApi();
  const send = useAction(async () => {
    const task = await api.get<fhir4.Task>(row.task);
    const updated: fhir4.Task = {
      ...task,
      businessStatus: { coding: [{ system: 'http://grouptherapy.example.org/fhir/CodeSystem/intake-stage', code: 'orientation-sent' }] },
    };
    await api.put(row.task, updated, task.meta?.versionId ? { 'If-Match': `W/"${task.meta.versionId}"` } : {});
    onDone(`Orientation sent to ${name}.`);
  });
  return (
    <div>
      <h4>Orientation</h4>
      <p className="hint">Enrolment sent the orientation message (what to expect, where, first session). Mark it done once you have also called or written.</p>
      <BusyButton busy={send.busy} onClick={() => void send.go()}>
        Mark orientation sent
      </BusyButton>
      <ProblemBox problem={send.problem} />
    </div>
  );
}
