import { useMemo, useState, type ReactNode } from 'react';
import { build, date } from '../../fhir/parameters';
import { nameOf, SD } from '../../fhir/practice';
import { toCsv, download } from '../../lib/csv';
import { monthOf, today } from '../../lib/time';
import { Empty, Field, Loading, NotForRole, ProblemBox, useAsync } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';
import { billingProblems, PROBLEM_LABELS } from '../billing/problems';
import { Chart } from './Chart';
import {
  attendanceByGroupAndMonth,
  claimsByPayerAndMonth,
  monthsBetween,
  percent,
  retentionRows,
  seriesOver,
  type RetentionRow,
} from './aggregate';

function monthsBack(month: string, n: number): string {
  let [y, m] = month.split('-').map(Number);
  m -= n;
  while (m < 1) {
    m += 12;
    y--;
  }
  return `${y}-${String(m).padStart(2, '0')}`;
}

/**
 * The practice's reports over a range of months: retention at session 8, attendance per group,
 * no-shows, billing problems by kind, claims and amounts per payer. Each as a chart with its
 * numbers in a table beside it and a CSV download.
 */
export default function Reports() {
  const practice = usePractice();
  const billing = useApi().role !== 'THERAPIST';
  const thisMonth = today(practice.zone).slice(0, 7);
  const [from, setFrom] = useState(monthsBack(thisMonth, 5));
  const [to, setTo] = useState(thisMonth);
  const valid = /^\d{4}-\d{2}$/.test(from) && /^\d{4}-\d{2}$/.test(to) && from <= to;
  const months = useMemo(() => (valid ? monthsBetween(from, to) : []), [from, to, valid]);
  const tooLong = months.length > 24;
  const range = valid && !tooLong ? { start: `${from}-01`, end: monthOf(`${to}-01`).end, months } : undefined;

  return (
    <div>
      <div className="toolbar" role="group" aria-label="Period">
        <Field label="From month" error={!valid ? 'Give months as yyyy-mm, the first not after the last.' : undefined}>
          {(p) => <input {...p} type="month" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
        <Field label="To month" error={tooLong ? 'At most 24 months at a time.' : undefined}>
          {(p) => <input {...p} type="month" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
      </div>
      <p className="hint">Months and dates of service are in the practice’s time zone ({practice.zone}).</p>
      {range && (
        <>
          <Retention range={range} />
          <AttendanceReport range={range} />
          {billing ? (
            <>
              <BillingProblemsReport range={range} />
              <ClaimsReport range={range} />
            </>
          ) : (
            <NotForRole what="Billing reports cover every member's claims, which carry diagnoses:" who="they are for the VAs, billers and administrators." />
          )}
        </>
      )}
    </div>
  );
}

interface Range {
  start: string;
  end: string;
  months: string[];
}

function Section({
  id,
  title,
  children,
  csv,
}: {
  id: string;
  title: string;
  children: ReactNode;
  csv?: () => { header: string[]; rows: (string | number | null | undefined)[][] };
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <div className="spread">
        <h3 id={id} style={{ margin: 0 }}>
          {title}
        </h3>
        {csv && (
          <button
            className="secondary"
            onClick={() => {
              const { header, rows } = csv();
              download(`${id}.csv`, 'text/csv', toCsv(header, rows));
            }}
          >
            Download CSV<span className="sr-only"> of {title}</span>
          </button>
        )}
      </div>
      {children}
    </section>
  );
}

function Retention({ range }: { range: Range }) {
  const api = useApi();
  const practice = usePractice();
  const report = useAsync(
    async () => retentionRows(await api.post<fhir4.Parameters>('Group/$retention-report', build([['start', date(range.start)], ['end', date(range.end)]]))),
    [range.start, range.end],
  );
  const label = (r: RetentionRow) => (r.dimension === 'group' ? nameOf(practice, r.value) : r.value);
  const rows = report.data ?? [];
  const overall = rows.find((r) => r.dimension === 'overall');
  const byGroup = rows.filter((r) => r.dimension === 'group');
  return (
    <Section
      id="retention"
      title="Retention at session 8"
      csv={report.data ? () => ({ header: ['dimension', 'value', 'members', 'retained', 'rate'], rows: rows.map((r) => [r.dimension, label(r), r.members, r.retained, r.rate]) }) : undefined}
    >
      <p className="hint">Members who joined in the period and whose eighth session has taken place: the share still attending it.</p>
      {report.loading && <Loading what="retention" />}
      <ProblemBox problem={report.error} onRetry={report.reload} />
      {report.data && rows.length === 0 && <Empty>No member who joined in this period has reached session 8 yet.</Empty>}
      {rows.length > 0 && (
        <div className="grid2">
          <div>
            <p>
              Overall: <strong>{percent(overall?.rate)}</strong> ({overall?.retained ?? 0} of {overall?.members ?? 0})
            </p>
            <Chart label="Retention at session 8 by group" kind="bar" percent categories={byGroup.map(label)} series={[{ name: 'Retained', data: byGroup.map((r) => r.rate ?? null) }]} />
          </div>
          <table>
            <caption className="sr-only">Retention at session 8</caption>
            <thead>
              <tr>
                <th>By</th>
                <th>Which</th>
                <th className="num">Members</th>
                <th className="num">Retained</th>
                <th className="num">Rate</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  <td>{r.dimension}</td>
                  <td>{label(r)}</td>
                  <td className="num">{r.members}</td>
                  <td className="num">{r.retained}</td>
                  <td className="num">{percent(r.rate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function AttendanceReport({ range }: { range: Range }) {
  const api = useApi();
  const practice = usePractice();
  const cells = useAsync(async () => {
    const sessions = await api.search<fhir4.Appointment>(
      `Appointment?date=ge${range.start}&date=le${range.end}&_profile=${encodeURIComponent(SD + 'group-session')}&_count=500`,
      40,
    );
    return attendanceByGroupAndMonth(sessions, practice.zone);
  }, [range.start, range.end]);
  const data = cells.data ?? [];
  const rates = seriesOver(data, range.months, (c) => nameOf(practice, c.group), (c) => c.rate);
  const noShows = seriesOver(data, range.months, (c) => nameOf(practice, c.group), (c) => c.noShows);
  return (
    <>
      <Section
        id="attendance-rate"
        title="Attendance rate per group"
        csv={cells.data ? () => ({ header: ['group', 'month', 'attended', 'no-shows', 'late cancels', 'excused', 'rate'], rows: data.map((c) => [nameOf(practice, c.group), c.month, c.attended, c.noShows, c.lateCancels, c.excused, c.rate]) }) : undefined}
      >
        <p className="hint">Attended (including late and left early) ÷ attended, no-shows and late cancels; excused absences do not count against a group.</p>
        {cells.loading && <Loading what="attendance" />}
        <ProblemBox problem={cells.error} onRetry={cells.reload} />
        {cells.data && data.length === 0 && <Empty>No attendance recorded in this period.</Empty>}
        {data.length > 0 && (
          <div className="grid2">
            <Chart label="Attendance rate per group and month" kind="line" percent categories={range.months} series={[...rates].map(([name, d]) => ({ name, data: d }))} />
            <MonthTable months={range.months} rows={rates} format={percent} caption="Attendance rate per group and month" />
          </div>
        )}
      </Section>
      <Section id="no-shows" title="No-shows per group" csv={cells.data ? () => ({ header: ['group', ...range.months], rows: [...noShows].map(([n, d]) => [n, ...d]) }) : undefined}>
        {data.length > 0 ? (
          <div className="grid2">
            <Chart label="No-shows per group and month" kind="bar" stacked categories={range.months} series={[...noShows].map(([name, d]) => ({ name, data: d }))} />
            <MonthTable months={range.months} rows={noShows} format={(v) => String(v ?? 0)} caption="No-shows per group and month" />
          </div>
        ) : (
          !cells.loading && <Empty>No attendance recorded in this period.</Empty>
        )}
      </Section>
    </>
  );
}

function BillingProblemsReport({ range }: { range: Range }) {
  const api = useApi();
  const perMonth = useAsync(async () => {
    const out: { month: string; kind: string; count: number }[] = [];
    for (const month of range.months) {
      const { start, end } = monthOf(`${month}-01`);
      const summary = await api.post<fhir4.Parameters>('Appointment/$billing-summary', build([['start', date(start)], ['end', date(end)]]));
      const outcome = summary.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
      const counts = new Map<string, number>();
      for (const p of billingProblems(outcome)) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
      for (const [kind, count] of counts) out.push({ month, kind, count });
    }
    return out;
  }, [range.start, range.end]);
  const data = perMonth.data ?? [];
  const series = seriesOver(data, range.months, (c) => PROBLEM_LABELS[c.kind] ?? c.kind, (c) => c.count);
  return (
    <Section id="billing-problems" title="Billing problems by kind" csv={perMonth.data ? () => ({ header: ['kind', ...range.months], rows: [...series].map(([k, d]) => [k, ...d]) }) : undefined}>
      <p className="hint">As the billing summary finds them today for each month’s sessions (attendance without a claim yet counts).</p>
      {perMonth.loading && <Loading what="billing problems, month by month" />}
      <ProblemBox problem={perMonth.error} onRetry={perMonth.reload} />
      {perMonth.data && data.length === 0 && <Empty>No billing problems in this period.</Empty>}
      {data.length > 0 && (
        <div className="grid2">
          <Chart label="Billing problems by kind and month" kind="bar" stacked categories={range.months} series={[...series].map(([name, d]) => ({ name, data: d }))} />
          <MonthTable months={range.months} rows={series} format={(v) => String(v ?? 0)} caption="Billing problems by kind and month" />
        </div>
      )}
    </Section>
  );
}

function ClaimsReport({ range }: { range: Range }) {
  const api = useApi();
  const practice = usePractice();
  const cells = useAsync(async () => {
    const claims = await api.search<fhir4.Claim>(`Claim?created=ge${range.start}&_count=500`, 40);
    return claimsByPayerAndMonth(claims, range.months);
  }, [range.start, range.end]);
  const data = cells.data ?? [];
  const amounts = seriesOver(data, range.months, (c) => nameOf(practice, c.payer), (c) => c.amount);
  const counts = seriesOver(data, range.months, (c) => nameOf(practice, c.payer), (c) => c.claims);
  const money = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `$${v.toFixed(2)}`);
  return (
    <Section
      id="claims"
      title="Claims and amounts per payer"
      csv={cells.data ? () => ({ header: ['payer', 'month', 'claims', 'amount'], rows: data.map((c) => [nameOf(practice, c.payer), c.month, c.claims, c.amount]) }) : undefined}
    >
      <p className="hint">By month of service; cancelled claims left out.</p>
      {cells.loading && <Loading what="claims" />}
      <ProblemBox problem={cells.error} onRetry={cells.reload} />
      {cells.data && data.length === 0 && <Empty>No claims for services in this period.</Empty>}
      {data.length > 0 && (
        <div className="grid2">
          <Chart label="Claim amounts per payer and month" kind="bar" stacked categories={range.months} series={[...amounts].map(([name, d]) => ({ name, data: d }))} />
          <div>
            <MonthTable months={range.months} rows={amounts} format={money} caption="Claim amounts per payer and month" />
            <MonthTable months={range.months} rows={counts} format={(v) => String(v ?? 0)} caption="Claims per payer and month" visibleCaption />
          </div>
        </div>
      )}
    </Section>
  );
}

function MonthTable({
  months,
  rows,
  format,
  caption,
  visibleCaption = false,
}: {
  months: string[];
  rows: Map<string, (number | null)[]>;
  format: (v: number | undefined) => string;
  caption: string;
  visibleCaption?: boolean;
}) {
  return (
    <div className="scroll-x" tabIndex={0} role="group" aria-label={caption}>
      <table>
        <caption className={visibleCaption ? undefined : 'sr-only'} style={{ textAlign: 'left' }}>
          {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Row</span>
            </th>
            {months.map((m) => (
              <th key={m} scope="col" className="num">
                {m}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {[...rows].map(([name, values]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              {values.map((v, i) => (
                <td key={i} className="num">
                  {format(v ?? undefined)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
