import { all, num, text } from '../../fhir/parameters';
import { attendanceOf, sessionGroup } from '../../fhir/practice';
import { localDate } from '../../lib/time';

/** The months (yyyy-mm) from the one holding start to the one holding end. */
export function monthsBetween(start: string, end: string): string[] {
  const out: string[] = [];
  let [y, m] = start.split('-').map(Number);
  const [ey, em] = end.split('-').map(Number);
  while (y < ey || (y === ey && m <= em)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

export interface RetentionRow {
  dimension: string;
  value: string;
  members: number;
  retained: number;
  rate?: number;
}

export function retentionRows(report: fhir4.Parameters): RetentionRow[] {
  return all(report, 'row').map((r) => ({
    dimension: text(r, 'dimension') ?? '',
    value: text(r, 'value') ?? '',
    members: num(r, 'members') ?? 0,
    retained: num(r, 'retained') ?? 0,
    rate: num(r, 'rate'),
  }));
}

export interface AttendanceCell {
  group: string;
  month: string;
  /** Member-sessions marked attended, late or left early. */
  attended: number;
  noShows: number;
  lateCancels: number;
  excused: number;
  /** attended ÷ (attended + no-shows + late cancels): excused absences do not count against. */
  rate?: number;
}

const ATTENDED = new Set(['attended', 'late', 'left-early']);

/**
 * Attendance per group and month (in the practice's zone) from the sessions' recorded attendance
 * (the session-attendance extension on each member's participant). Sessions not yet recorded
 * count for nothing.
 */
export function attendanceByGroupAndMonth(sessions: fhir4.Appointment[], zone: string): AttendanceCell[] {
  const cells = new Map<string, AttendanceCell>();
  for (const a of sessions) {
    const group = sessionGroup(a);
    if (!group || !a.start || a.status === 'cancelled') continue;
    const month = localDate(new Date(a.start), zone).slice(0, 7);
    const key = `${group} ${month}`;
    const cell = cells.get(key) ?? { group, month, attended: 0, noShows: 0, lateCancels: 0, excused: 0 };
    for (const p of a.participant ?? []) {
      if (!p.actor?.reference?.startsWith('Patient/')) continue;
      const status = attendanceOf(p)?.status;
      if (!status) continue;
      if (ATTENDED.has(status)) cell.attended++;
      else if (status === 'no-show') cell.noShows++;
      else if (status === 'late-cancel') cell.lateCancels++;
      else if (status === 'excused') cell.excused++;
    }
    cells.set(key, cell);
  }
  for (const cell of cells.values()) {
    const counted = cell.attended + cell.noShows + cell.lateCancels;
    cell.rate = counted ? cell.attended / counted : undefined;
  }
  return [...cells.values()].sort((a, b) => a.month.localeCompare(b.month) || a.group.localeCompare(b.group));
}

export interface ClaimCell {
  payer: string;
  month: string;
  claims: number;
  amount: number;
}

/** Claims and their amounts per payer and month of service (cancelled and erroneous left out). */
export function claimsByPayerAndMonth(claims: fhir4.Claim[], months: string[]): ClaimCell[] {
  const wanted = new Set(months);
  const cells = new Map<string, ClaimCell>();
  for (const c of claims) {
    if (c.status === 'cancelled' || c.status === 'entered-in-error') continue;
    const served = c.item?.[0]?.servicedDate ?? c.billablePeriod?.start ?? c.created;
    const month = served?.slice(0, 7);
    if (!month || !wanted.has(month)) continue;
    const payer = c.insurer?.reference ?? 'self-pay';
    const key = `${payer} ${month}`;
    const cell = cells.get(key) ?? { payer, month, claims: 0, amount: 0 };
    cell.claims++;
    cell.amount += c.total?.value ?? 0;
    cells.set(key, cell);
  }
  return [...cells.values()]
    .map((c) => ({ ...c, amount: Math.round(c.amount * 100) / 100 }))
    .sort((a, b) => a.month.localeCompare(b.month) || a.payer.localeCompare(b.payer));
}

/** A series per key over the months, 0 where a month has nothing (for charts). */
export function seriesOver<T extends { month: string }>(
  cells: T[],
  months: string[],
  key: (cell: T) => string,
  value: (cell: T) => number | undefined,
): Map<string, (number | null)[]> {
  const out = new Map<string, (number | null)[]>();
  for (const cell of cells) {
    const k = key(cell);
    const row = out.get(k) ?? months.map(() => null);
    const i = months.indexOf(cell.month);
    if (i >= 0) row[i] = value(cell) ?? null;
    out.set(k, row);
  }
  return out;
}

export const percent = (rate: number | undefined) => (rate === undefined ? '—' : `${Math.round(rate * 1000) / 10}%`);
