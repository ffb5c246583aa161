import { useMemo, useState } from 'react';
import { all, build, date, num, ref, reference, str, text } from '../../fhir/parameters';
import { humanName, idOf, nameOf, payerId, sessionNumber } from '../../fhir/practice';
import { download } from '../../lib/csv';
import { addDays, formatDate, formatTime, monthOf, today } from '../../lib/time';
import { BusyButton, Empty, Loading, Notice, NotForRole, ProblemBox, useAction, useAsync } from '../../ui/components';
import { focusOn, useApi, usePractice } from '../../ui/context';
import { Select } from '../hub/SchedulingHub';
import { billingProblems, groupProblems, withNames } from './problems';

interface SessionRow {
  session: string;
  group?: string;
  groupName?: string;
  members: number;
  units: number;
  amount: number;
  issues: number;
}

function rows(out: fhir4.Parameters | undefined): SessionRow[] {
  return all(out, 'session').map((s) => ({
    session: ref(s, 'session')?.reference ?? '',
    group: ref(s, 'group')?.reference,
    groupName: ref(s, 'group')?.display,
    members: num(s, 'members') ?? 0,
    units: num(s, 'units') ?? 0,
    amount: num(s, 'amount') ?? 0,
    issues: num(s, 'issues') ?? 0,
  }));
}

const money = (n: number) => n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });

/** A period's billing: summary per session, group and payer; reconcile; problems; packages. */
export function Billing() {
  const api = useApi();
  const practice = usePractice();
  const lastMonth = monthOf(addDays(monthOf(today(practice.zone)).start, -1));
  const [start, setStart] = useState(lastMonth.start);
  const [end, setEnd] = useState(lastMonth.end);
  const [group, setGroup] = useState<string>();
  const [payer, setPayer] = useState<string>();
  const [reconciled, setReconciled] = useState<string>();
  const [periodError, setPeriodError] = useState<string>();

  const params = (extra: [string, Parameters1][] = []) =>
    build([
      ['start', date(start)],
      ['end', date(end)],
      ['group', group ? { valueString: group } : undefined],
      ['payer', str(payer)],
      ...extra,
    ]);
  type Parameters1 = Partial<fhir4.ParametersParameter> | undefined;

  const forRole = api.role !== 'THERAPIST' && api.role !== 'PATIENT';
  const summary = useAsync(async () => {
    if (!forRole || !start || !end || end < start) return undefined;
    return api.post<fhir4.Parameters>('Appointment/$billing-summary', params());
  }, [start, end, group, payer]);

  const names = useAsync(async () => {
    const problems = billingProblems(summary.data?.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome);
    const patients = [...new Set(problems.flatMap((p) => p.references).filter((r) => r.startsWith('Patient/')).map((r) => r.slice(8)))];
    const map = new Map<string, string>();
    practice.groups.forEach((g) => map.set(idOf(g), g.name ?? 'a group'));
    practice.practitioners.forEach((p) => map.set(idOf(p), humanName(p.name)));
    for (let i = 0; i < patients.length; i += 50) {
      const found = await api.search<fhir4.Patient>(`Patient?_id=${patients.slice(i, i + 50).join(',')}&_count=50`, 1).catch(() => []);
      found.forEach((p) => map.set(idOf(p), humanName(p.name)));
    }
    return map;
  }, [summary.data]);

  const reconcile = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(
      'Appointment/$reconcile-attendance',
      build([
        ['start', date(start)],
        ['end', date(end)],
        ['group', reference(group)],
        ['payer', str(payer)],
      ]),
    );
    setReconciled(
      `${num(out, 'sessions') ?? 0} sessions reconciled: ${num(out, 'created') ?? 0} draft claims created, ${money(num(out, 'amount') ?? 0)} billable.`,
    );
    summary.reload();
  });

  if (!forRole) {
    return <NotForRole what="Billing documentation is prepared by the VAs and the billers." who="Your attendance records and notes are what it is made of." />;
  }

  const sessionRows = rows(summary.data);
  const outcome = summary.data?.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
  const groups = groupProblems(billingProblems(outcome));
  const byGroup = aggregate(sessionRows, (r) => r.groupName ?? nameOf(practice, r.group));

  return (
    <div>
      <form
        className="toolbar"
        aria-label="Period"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <div>
          <label htmlFor="bill-start">From</label>
          <input id="bill-start" type="date" value={start} onChange={(e) => { setStart(e.target.value); setPeriodError(e.target.value > end ? 'The period ends before it starts.' : undefined); }} />
        </div>
        <div>
          <label htmlFor="bill-end">To</label>
          <input id="bill-end" type="date" value={end} aria-invalid={periodError ? true : undefined} onChange={(e) => { setEnd(e.target.value); setPeriodError(e.target.value < start ? 'The period ends before it starts.' : undefined); }} />
        </div>
        <Select label="Group" value={group} onChange={setGroup} options={practice.groups.map((g) => [idOf(g), g.name ?? g.id!])} />
        <Select label="Payer" value={payer} onChange={setPayer} options={practice.payers.map((p) => [payerId(p), p.name ?? p.id!])} />
        <BusyButton busy={reconcile.busy} busyText="Reconciling… (this can take a minute)" type="button" onClick={() => void reconcile.go()} disabled={Boolean(periodError)}>
          Run reconcile
        </BusyButton>
      </form>
      {periodError && <p className="error-text" role="alert">{periodError}</p>}
      <ProblemBox problem={reconcile.problem} />
      {reconciled && <Notice kind="ok" title={reconciled} items={[]} />}
      <ProblemBox problem={summary.error} onRetry={summary.reload} />
      {summary.loading && <Loading what="the billing summary" />}
      {summary.data && (
        <>
          <div className="grid2">
            <section className="card" aria-label="Totals">
              <h3>Totals</h3>
              <p>
                {num(summary.data, 'sessions') ?? 0} sessions · {money(num(summary.data, 'amount') ?? 0)} billable ·{' '}
                {groups.reduce((n, g) => n + g.problems.length, 0)} problems
              </p>
              <table>
                <caption className="sr-only">By group</caption>
                <thead>
                  <tr>
                    <th>Group</th>
                    <th className="num">Sessions</th>
                    <th className="num">Units</th>
                    <th className="num">Amount</th>
                    <th className="num">Problems</th>
                  </tr>
                </thead>
                <tbody>
                  {byGroup.map((g) => (
                    <tr key={g.key}>
                      <td>{g.key}</td>
                      <td className="num">{g.sessions}</td>
                      <td className="num">{g.units}</td>
                      <td className="num">{money(g.amount)}</td>
                      <td className="num">{g.issues}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <ByPayer start={start} end={end} group={group} payer={payer} />
            </section>
            <section className="card" aria-label="Problems">
              <h3>Problems by kind</h3>
              {groups.length === 0 ? (
                <Empty>No problems in this period.</Empty>
              ) : (
                groups.map((g) => (
                  <details key={g.kind} open={groups.length <= 2}>
                    <summary>
                      <strong>{g.label}</strong> ({g.problems.length}) — {g.fix}
                    </summary>
                    <ul className="hint">
                      {g.problems.slice(0, 50).map((p, i) => (
                        <li key={i}>
                          {withNames(p.what, names.data ?? new Map())}
                          {p.references
                            .filter((r) => r.startsWith('Appointment/'))
                            .slice(0, 1)
                            .map((r) => (
                              <button key={r} className="link" onClick={() => openSession(r)}>
                                {' '}
                                open the session
                              </button>
                            ))}
                        </li>
                      ))}
                    </ul>
                  </details>
                ))
              )}
            </section>
          </div>
          <Sessions rows={sessionRows} />
          <Packages start={start} end={end} group={group} payer={payer} />
        </>
      )}
    </div>
  );
}

/** The period's totals per payer: one summary per payer (members covered by it), side by side. */
function ByPayer({ start, end, group, payer }: { start: string; end: string; group?: string; payer?: string }) {
  const api = useApi();
  const practice = usePractice();
  const payers = practice.payers.filter((p) => !payer || payerId(p) === payer);
  const totals = useAsync(
    () =>
      Promise.all(
        payers.map(async (p) => {
          const out = await api.post<fhir4.Parameters>(
            'Appointment/$billing-summary',
            build([
              ['start', date(start)],
              ['end', date(end)],
              ['group', group ? { valueString: group } : undefined],
              ['payer', str(payerId(p))],
            ]),
          );
          const sessions = rows(out);
          return {
            name: p.name ?? payerId(p),
            members: sessions.reduce((n, r) => n + r.members, 0),
            units: sessions.reduce((n, r) => n + r.units, 0),
            amount: num(out, 'amount') ?? 0,
          };
        }),
      ),
    [start, end, group, payer, payers.length],
  );
  if (payers.length === 0) return null;
  return (
    <>
      {totals.loading && <Loading what="totals per payer" />}
      <ProblemBox problem={totals.error} onRetry={totals.reload} />
      {totals.data && (
        <table>
          <caption className="sr-only">By payer</caption>
          <thead>
            <tr>
              <th>Payer</th>
              <th className="num">Member sessions</th>
              <th className="num">Units</th>
              <th className="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {totals.data.map((t) => (
              <tr key={t.name}>
                <td>{t.name}</td>
                <td className="num">{t.members}</td>
                <td className="num">{t.units}</td>
                <td className="num">{money(t.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function openSession(reference: string) {
  focusOn('attendance', { session: reference });
}

function aggregate(rows: SessionRow[], key: (r: SessionRow) => string) {
  const map = new Map<string, { key: string; sessions: number; units: number; amount: number; issues: number }>();
  for (const r of rows) {
    const k = key(r);
    const a = map.get(k) ?? { key: k, sessions: 0, units: 0, amount: 0, issues: 0 };
    a.sessions++;
    a.units += r.units;
    a.amount += r.amount;
    a.issues += r.issues;
    map.set(k, a);
  }
  return [...map.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function Sessions({ rows }: { rows: SessionRow[] }) {
  const api = useApi();
  const practice = usePractice();
  // When each session took place, to name it as a person would (its date and number).
  const when = useAsync(async () => {
    const ids = rows.map((r) => r.session.split('/')[1]);
    const found = new Map<string, fhir4.Appointment>();
    for (let i = 0; i < ids.length; i += 50) {
      (await api.search<fhir4.Appointment>(`Appointment?_id=${ids.slice(i, i + 50).join(',')}&_count=50`, 1).catch(() => [])).forEach((a) =>
        found.set(idOf(a), a),
      );
    }
    return found;
  }, [rows.map((r) => r.session).join(',')]);
  const label = (session: string) => {
    const a = when.data?.get(session);
    if (!a?.start) return 'Session';
    const n = sessionNumber(a);
    return `${formatDate(a.start, practice.zone)} ${formatTime(a.start, practice.zone)}${n ? ` · session ${n}` : ''}`;
  };
  const packageOf = useAction(async (session: string) => {
    const [appointment, encounters, claims] = await Promise.all([
      api.get<fhir4.Appointment>(session),
      api.search<fhir4.Encounter>(`Encounter?appointment=${session}&_count=100`, 1),
      api.search<fhir4.Claim>(`Claim?encounter:Encounter.appointment=${session}&_count=100`, 1).catch(() => []),
    ]);
    const bundle: fhir4.Bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      timestamp: new Date().toISOString(),
      entry: [appointment, ...encounters, ...claims].map((resource) => ({ resource })),
    };
    download(`session-documentation-${session.split('/')[1]}.json`, 'application/fhir+json', JSON.stringify(bundle, null, 2));
  });
  if (rows.length === 0) return <Empty>No billable sessions in this period.</Empty>;
  return (
    <section className="card" aria-label="Sessions">
      <h3>Sessions</h3>
      <ProblemBox problem={packageOf.problem} />
      <table>
        <thead>
          <tr>
            <th>Session</th>
            <th>Group</th>
            <th className="num">Members billed</th>
            <th className="num">Units</th>
            <th className="num">Amount</th>
            <th className="num">Problems</th>
            <th><span className="sr-only">Documentation</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.session}>
              <td>{label(r.session)}</td>
              <td>{r.groupName ?? nameOf(practice, r.group)}</td>
              <td className="num">{r.members}</td>
              <td className="num">{r.units}</td>
              <td className="num">{money(r.amount)}</td>
              <td className="num">{r.issues}</td>
              <td>
                <BusyButton
                  busy={packageOf.busy}
                  className="secondary"
                  onClick={() => void packageOf.go(r.session)}
                  aria-label={`Documentation for the coder: ${r.groupName ?? nameOf(practice, r.group)}, ${label(r.session)}`}
                >
                  Documentation for the coder
                </BusyButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Packages({ start, end, group, payer }: { start: string; end: string; group?: string; payer?: string }) {
  const api = useApi();
  const practice = usePractice();
  const [packagePayer, setPackagePayer] = useState<string | undefined>(payer);
  const [built, setBuilt] = useState<{ bundle: fhir4.Bundle; payer?: string }>();
  const [received, setReceived] = useState<string>();
  const [error, setError] = useState<string>();
  const params = (format: string) =>
    build([
      ['start', date(start)],
      ['end', date(end)],
      ['payer', str(packagePayer)],
      ['group', group ? { valueString: group } : undefined],
      ['format', { valueCode: format }],
    ]);
  const buildPackage = useAction(async () => {
    const bundle = await api.post<fhir4.Bundle>('Claim/$billing-package', params('fhir'));
    setBuilt({ bundle, payer: packagePayer });
    setReceived(undefined);
  });
  const x12 = useAction(async () => {
    const binary = await api.post<fhir4.Binary>('Claim/$billing-package', params('x12'));
    const content = atob(binary.data ?? '');
    download(`837P-${packagePayer ?? 'all'}-${start}-${end}.x12`, 'application/edi-x12', content);
  });
  const markReceived = useAction(async () => {
    const claims = (built?.bundle.entry ?? []).map((e) => e.resource).filter((r): r is fhir4.Claim => r?.resourceType === 'Claim');
    const out = await api.post<fhir4.Parameters>(
      'Claim/$mark-received',
      build([
        ...claims.map((c): [string, Partial<fhir4.ParametersParameter>] => ['claim', { valueReference: { reference: idOf(c) } }]),
        ['package', str(built?.bundle.identifier?.value)],
      ]),
    );
    setReceived(`${num(out, 'received') ?? 0} claims marked received (receipt ${text(out, 'receipt') ?? ''}).`);
  });
  const claims = useMemo(() => (built?.bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Claim'), [built]);
  return (
    <section className="card" aria-label="Packages">
      <h3>Package for a payer</h3>
      <div className="toolbar">
        <Select label="Payer of the package" value={packagePayer} onChange={setPackagePayer} options={practice.payers.map((p) => [payerId(p), p.name ?? p.id!])} placeholder="Every payer" />
        <BusyButton busy={buildPackage.busy} busyText="Building…" onClick={() => { setError(undefined); void buildPackage.go(); }}>
          Build package
        </BusyButton>
        <BusyButton busy={x12.busy} busyText="Preparing…" className="secondary" onClick={() => void x12.go()}>
          Download 837P
        </BusyButton>
      </div>
      {error && <p className="error-text">{error}</p>}
      <ProblemBox problem={buildPackage.problem ?? x12.problem} />
      {built && (
        <div aria-live="polite">
          <p>
            Package {built.bundle.identifier?.value ?? ''}: {claims.length} claims for {built.payer ? nameOf(practice, practice.payers.find((p) => payerId(p) === built.payer) ? idOf(practice.payers.find((p) => payerId(p) === built.payer)!) : undefined) : 'every payer'}
            {built.bundle.timestamp ? `, built ${formatDate(built.bundle.timestamp, practice.zone)}` : ''}.
          </p>
          <BusyButton busy={markReceived.busy} className="secondary" disabled={claims.length === 0} onClick={() => void markReceived.go()}>
            Mark these claims received
          </BusyButton>
          <ProblemBox problem={markReceived.problem} />
          {received && <Notice kind="ok" title={received} items={[]} />}
        </div>
      )}
    </section>
  );
}
