import { useMemo, useState } from 'react';
import { all, build, num, ref, reference, str, text } from '../../fhir/parameters';
import { activeMembers, groupCapacity, groupJoinUrl, groupMode, groupStatus, humanName, idOf, nameOf } from '../../fhir/practice';
import { notices } from '../../lib/errors';
import { today } from '../../lib/time';
import { BusyButton, Empty, Field, Loading, Notice, NotForRole, ProblemBox, useAction, useAsync } from '../../ui/components';
import { takeFocus, useApi, usePractice } from '../../ui/context';
import { CONSENT_KINDS, consentState, STATE_BADGE, type ConsentState } from '../intake/consents';

const WAITLIST = 'http://grouptherapy.example.org/fhir/CodeSystem/intake-codes|waitlist';

/** A group's members, seats, waitlist and consents; adding and removing members; the waitlist. */
export function GroupRoster() {
  const api = useApi();
  const practice = usePractice();
  const [groupId, setGroupId] = useState<string>(() => takeFocus('group') ?? (practice.groups[0] ? idOf(practice.groups[0]) : ''));
  const [done, setDone] = useState<string>();
  const day = today(practice.zone);
  const forRole = api.role !== 'BILLER';
  const roster = useAsync(async () => {
    if (!forRole) return undefined;
    const group = await api.get<fhir4.Group>(groupId);
    const members = activeMembers(group, day).map((m) => m.entity.reference!).filter((r) => r?.startsWith('Patient/'));
    const waitlist = (await api.search<fhir4.List>(`List?code=${WAITLIST}&subject=${groupId}&status=current`, 1))[0];
    const waiting = (waitlist?.entry ?? []).filter((e) => !e.deleted).map((e) => e.item.reference!);
    const everyone = [...new Set([...members, ...waiting])].map((r) => r.slice(8));
    const patients = everyone.length ? await api.search<fhir4.Patient>(`Patient?_id=${everyone.join(',')}&_count=200`, 2) : [];
    const consents = members.length ? await api.search<fhir4.Consent>(`Consent?patient=${members.join(',')}&_count=500`, 3) : [];
    return { group, members, waiting, names: new Map(patients.map((p) => [idOf(p), humanName(p.name)])), consents };
  }, [groupId]);

  const data = roster.data;
  const virtual = data ? Boolean(groupJoinUrl(data.group)) : false;
  const kinds = Object.keys(CONSENT_KINDS).filter((k) => k !== 'telehealth' || virtual);
  const capacity = data ? groupCapacity(data.group) : undefined;

  if (!forRole) {
    return <NotForRole what="Group rosters, waitlists and consents are kept by the VAs and the therapists." who="Billing sees each member on their claims." />;
  }
  return (
    <div>
      <div className="toolbar">
        <div>
          <label htmlFor="roster-group">Group</label>
          <select id="roster-group" value={groupId} onChange={(e) => { setGroupId(e.target.value); setDone(undefined); }}>
            {practice.groups.map((g) => (
              <option key={g.id} value={idOf(g)}>{g.name}</option>
            ))}
          </select>
        </div>
      </div>
      <ProblemBox problem={roster.error} onRetry={roster.reload} />
      {roster.loading && <Loading what="the roster" />}
      {done && <Notice kind="ok" title={done} items={[]} />}
      {data && (
        <>
          <p>
            {data.members.length} of {capacity ?? '?'} seats taken{capacity !== undefined ? `, ${Math.max(0, capacity - data.members.length)} open` : ''} ·{' '}
            {data.waiting.length} waiting · {groupMode(data.group) ?? 'open'} group · {groupStatus(data.group)}
            {virtual ? ' · meets by video' : ''}
          </p>
          <section className="card" aria-label="Members">
            <h3>Members</h3>
            {data.members.length === 0 ? (
              <Empty>No members yet.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Member</th>
                    {kinds.map((k) => (
                      <th key={k}>{CONSENT_KINDS[k]}</th>
                    ))}
                    <th><span className="sr-only">Remove</span></th>
                  </tr>
                </thead>
                <tbody>
                  {data.members.map((m) => {
                    const theirs = data.consents.filter((c) => c.patient?.reference === m);
                    return (
                      <tr key={m}>
                        <th scope="row">{data.names.get(m) ?? 'Member'}</th>
                        {kinds.map((k) => {
                          const state: ConsentState = consentState(theirs, k, day);
                          return (
                            <td key={k}>
                              <span className={`badge ${STATE_BADGE[state]}`}>{state}</span>
                            </td>
                          );
                        })}
                        <td>
                          <RemoveMember group={groupId} patient={m} name={data.names.get(m) ?? 'the member'} onDone={(t) => { setDone(t); roster.reload(); }} />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>
          <div className="grid2">
            <AddMember group={data.group} full={capacity !== undefined && data.members.length >= capacity} kinds={kinds} onDone={(t) => { setDone(t); roster.reload(); }} />
            <Waitlist waiting={data.waiting} names={data.names} onDone={(t) => { setDone(t); roster.reload(); }} />
          </div>
        </>
      )}
    </div>
  );
}

function RemoveMember({ group, patient, name, onDone }: { group: string; patient: string; name: string; onDone: (m: string) => void }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const remove = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(`${group}/$member-remove`, build([['patient', reference(patient)], ['reason', str(reason || undefined)]]));
    const outcome = out.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
    onDone([`${name} leaves the group (${num(out, 'sessionsLeft') ?? 0} future sessions).`, ...notices(outcome).info].join(' '));
  });
  if (!open) {
    return (
      <button className="secondary" onClick={() => setOpen(true)} aria-label={`Remove ${name}`}>
        Remove
      </button>
    );
  }
  return (
    <form className="row" onSubmit={(e) => { e.preventDefault(); void remove.go(); }}>
      <label htmlFor={`reason-${patient}`} className="sr-only">Why {name} leaves</label>
      <input id={`reason-${patient}`} placeholder="Why they leave" value={reason} onChange={(e) => setReason(e.target.value)} />
      <BusyButton busy={remove.busy} className="danger" type="submit">Remove {name}</BusyButton>
      <button type="button" className="secondary" onClick={() => setOpen(false)}>Keep</button>
      <ProblemBox problem={remove.problem} />
    </form>
  );
}

function AddMember({ group, full, kinds, onDone }: { group: fhir4.Group; full: boolean; kinds: string[]; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [query, setQuery] = useState('');
  const [patient, setPatient] = useState<fhir4.Patient>();
  const [waitlist, setWaitlist] = useState(true);
  const found = useAsync(async () => (query.trim().length < 2 ? [] : api.search<fhir4.Patient>(`Patient?name=${encodeURIComponent(query.trim())}&_count=10`, 1)), [query]);
  const consents = useAsync(async () => (patient ? api.search<fhir4.Consent>(`Consent?patient=${idOf(patient)}&_count=50`, 1) : []), [patient?.id]);
  const day = today(practice.zone);
  const missing = useMemo(() => kinds.filter((k) => consentState(consents.data ?? [], k, day) !== 'signed'), [consents.data, kinds, day]);
  const add = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(
      `${idOf(group)}/$member-add`,
      build([['patient', reference(idOf(patient!))], ['waitlistIfFull', { valueBoolean: waitlist }], ['period', undefined]]),
    );
    const position = num(out, 'waitlistPosition');
    onDone(position ? `${humanName(patient!.name)} is number ${position} on the waitlist.` : `${humanName(patient!.name)} joined ${group.name}: ${num(out, 'sessions') ?? 0} sessions, orientation sent.`);
    setPatient(undefined);
    setQuery('');
  });
  if (api.role !== 'VA' && api.role !== 'ADMIN') {
    return <NotForRole what="Members are added by the VAs and administrators," who="after the therapist’s placement decision." />;
  }
  return (
    <section className="card" aria-label="Add a member">
      <h3>Add a member</h3>
      <Field label="Find the person by name">{(p) => <input {...p} value={query} onChange={(e) => { setQuery(e.target.value); setPatient(undefined); }} />}</Field>
      {found.loading && query.length >= 2 && <Loading what="people" />}
      {!patient && (found.data ?? []).length > 0 && (
        <ul>
          {found.data!.map((p) => (
            <li key={p.id}>
              <button className="link" onClick={() => setPatient(p)}>
                {humanName(p.name)}
                {p.birthDate ? ` (born ${p.birthDate})` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
      {patient && (
        <div>
          <p>
            <strong>{humanName(patient.name)}</strong>
          </p>
          {missing.length > 0 && (
            <Notice kind="warn" title="Consents not signed" items={missing.map((k) => `${CONSENT_KINDS[k]}: ${consentState(consents.data ?? [], k, day)}. The group needs it signed first.`)} />
          )}
          {full && (
            <label className="row" style={{ fontWeight: 400 }}>
              <input type="checkbox" checked={waitlist} onChange={(e) => setWaitlist(e.target.checked)} /> The group is full: put them on the waitlist
            </label>
          )}
          <BusyButton busy={add.busy} disabled={missing.length > 0 || (full && !waitlist)} onClick={() => void add.go()}>
            {full ? 'Add to the waitlist' : `Add to ${group.name}`}
          </BusyButton>
          <ProblemBox problem={add.problem} />
        </div>
      )}
    </section>
  );
}

function Waitlist({ waiting, names, onDone }: { waiting: string[]; names: Map<string, string>; onDone: (m: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [proposal, setProposal] = useState<fhir4.Parameters>();
  const mayPlace = api.role === 'ADMIN' || api.role === 'VA';
  const propose = useAction(async () => setProposal(await api.post<fhir4.Parameters>('Group/$place-waitlist', build([]))));
  const accept = useAction(async () => {
    const assignments = all(proposal, 'assignment');
    const out = await api.post<fhir4.Parameters>(
      'Group/$place-waitlist',
      build([
        ['apply', { valueBoolean: true }],
        ...assignments.map((a): [string, Partial<fhir4.ParametersParameter>] => [
          'assignment',
          { part: [{ name: 'patient', valueReference: ref(a, 'patient') }, { name: 'group', valueReference: ref(a, 'group') }] },
        ]),
      ]),
    );
    const outcome = out.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
    setProposal(undefined);
    onDone(['Waitlist placement applied.', ...notices(outcome).info].join(' '));
  });
  return (
    <section className="card" aria-label="Waitlist">
      <h3>Waitlist</h3>
      {waiting.length === 0 ? (
        <Empty>Nobody is waiting for this group.</Empty>
      ) : (
        <ol>
          {waiting.map((w) => (
            <li key={w}>{names.get(w) ?? 'Person'}</li>
          ))}
        </ol>
      )}
      {mayPlace ? (
        <>
          <BusyButton busy={propose.busy} busyText="Solving…" className="secondary" onClick={() => void propose.go()}>
            Propose placement of every waitlist
          </BusyButton>
          <ProblemBox problem={propose.problem ?? accept.problem} />
          {proposal && (
            <div aria-live="polite">
              <p className="hint">{text(proposal, 'method')}</p>
              <ul>
                {all(proposal, 'assignment').map((a, i) => (
                  <li key={i}>
                    {names.get(ref(a, 'patient')?.reference ?? '') ?? 'A person'} → {nameOf(practice, ref(a, 'group')?.reference)} (score {(num(a, 'score') ?? 0).toFixed(2)})
                    <ul className="hint">
                      {all(a, 'reason').map((r, j) => (
                        <li key={j}>{r.valueString}</li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
              <BusyButton busy={accept.busy} disabled={all(proposal, 'assignment').length === 0} onClick={() => void accept.go()}>
                Accept the proposal
              </BusyButton>
            </div>
          )}
        </>
      ) : (
        <p className="hint">
          Placing waitlisted people weighs their screening, so an administrator (or a therapist, person by person) runs it;
          open seats are offered in waitlist order.
        </p>
      )}
    </section>
  );
}
