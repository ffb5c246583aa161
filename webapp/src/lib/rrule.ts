/**
 * The series builder's recurrence: weekly on some days at one local time, every N weeks, ending
 * after a number of sessions or on a date. Produces the RFC 5545 rule $schedule-series takes, and
 * says it in words.
 */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const WEEKDAY_NAMES: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};

export type SeriesEnd = { kind: 'count'; count: number } | { kind: 'until'; until: string };

export interface SeriesPlan {
  days: Weekday[];
  /** Every N weeks. */
  interval: number;
  /** First day the series may start on (local date, yyyy-mm-dd). */
  startDate: string;
  /** Local start time, HH:mm. */
  time: string;
  durationMinutes: number;
  end: SeriesEnd;
}

export type PlanErrors = Partial<Record<'days' | 'interval' | 'startDate' | 'time' | 'durationMinutes' | 'end', string>>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** What is wrong with a plan, per field, in words; empty when it can be sent. */
export function validatePlan(plan: SeriesPlan): PlanErrors {
  const errors: PlanErrors = {};
  if (plan.days.length === 0) {
    errors.days = 'Choose at least one day of the week.';
  }
  if (!Number.isInteger(plan.interval) || plan.interval < 1 || plan.interval > 8) {
    errors.interval = 'Repeat every 1 to 8 weeks.';
  }
  if (!DATE.test(plan.startDate) || Number.isNaN(Date.parse(plan.startDate))) {
    errors.startDate = 'Give the first date as a date.';
  }
  if (!TIME.test(plan.time)) {
    errors.time = 'Give the start time as HH:MM, e.g. 18:00.';
  }
  if (!Number.isInteger(plan.durationMinutes) || plan.durationMinutes < 5 || plan.durationMinutes > 720) {
    errors.durationMinutes = 'A session lasts 5 to 720 minutes.';
  }
  if (plan.end.kind === 'count') {
    if (!Number.isInteger(plan.end.count) || plan.end.count < 1 || plan.end.count > 200) {
      errors.end = 'A series has 1 to 200 sessions.';
    }
  } else if (!DATE.test(plan.end.until) || Number.isNaN(Date.parse(plan.end.until))) {
    errors.end = 'Give the last date as a date.';
  } else if (DATE.test(plan.startDate) && plan.end.until < plan.startDate) {
    errors.end = 'The last date comes before the first.';
  }
  return errors;
}

/** The RFC 5545 rule: FREQ=WEEKLY[;INTERVAL=n];BYDAY=..;COUNT=n or UNTIL=yyyymmdd. */
export function buildRrule(plan: SeriesPlan): string {
  const days = WEEKDAYS.filter((d) => plan.days.includes(d));
  const parts = ['FREQ=WEEKLY'];
  if (plan.interval > 1) {
    parts.push(`INTERVAL=${plan.interval}`);
  }
  parts.push(`BYDAY=${days.join(',')}`);
  if (plan.end.kind === 'count') {
    parts.push(`COUNT=${plan.end.count}`);
  } else {
    parts.push(`UNTIL=${plan.end.until.replaceAll('-', '')}`);
  }
  return parts.join(';');
}

/** The date of the first session: the first chosen weekday on or after the start date. */
export function firstSessionDate(plan: Pick<SeriesPlan, 'days' | 'startDate'>): string {
  const [y, m, d] = plan.startDate.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  for (let i = 0; i < 7; i++) {
    const weekday = WEEKDAYS[(date.getUTCDay() + 6) % 7];
    if (plan.days.includes(weekday)) {
      return date.toISOString().slice(0, 10);
    }
    date.setUTCDate(date.getUTCDate() + 1);
  }
  return plan.startDate;
}

/** The local date-time of the first session, as $schedule-series's start. */
export function firstSessionStart(plan: SeriesPlan): string {
  return `${firstSessionDate(plan)}T${plan.time}`;
}

function list(words: string[]): string {
  if (words.length <= 1) {
    return words.join('');
  }
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The plan in words: "Every 2 weeks on Monday and Thursday at 18:00 for 90 minutes, 12 sessions". */
export function describePlan(plan: SeriesPlan): string {
  const days = list(WEEKDAYS.filter((d) => plan.days.includes(d)).map((d) => WEEKDAY_NAMES[d]));
  const every = plan.interval === 1 ? 'Weekly' : `Every ${plan.interval} weeks`;
  const end =
    plan.end.kind === 'count'
      ? `${plan.end.count} session${plan.end.count === 1 ? '' : 's'}`
      : `until ${plan.end.until}`;
  return `${every} on ${days || '—'} at ${plan.time} for ${plan.durationMinutes} minutes, ${end}`;
}

/** Reads the days and interval of a group's cadence (group-cadence), e.g. FREQ=WEEKLY;BYDAY=MO. */
export function parseCadence(rule: string | undefined): Pick<SeriesPlan, 'days' | 'interval'> | null {
  if (!rule) {
    return null;
  }
  const fields = Object.fromEntries(
    rule
      .split(';')
      .map((p) => p.split('='))
      .filter((p) => p.length === 2)
      .map(([k, v]) => [k.toUpperCase(), v.toUpperCase()]),
  );
  if (fields.FREQ !== 'WEEKLY' || !fields.BYDAY) {
    return null;
  }
  const days = fields.BYDAY.split(',').filter((d: string): d is Weekday =>
    (WEEKDAYS as readonly string[]).includes(d),
  );
  const interval = fields.INTERVAL ? Number(fields.INTERVAL) : 1;
  return days.length ? { days, interval: Number.isInteger(interval) && interval > 0 ? interval : 1 } : null;
}
