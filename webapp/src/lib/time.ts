/**
 * Times as the practice means them: in the group's (or practice's) time zone, with the zone named
 * when it differs from the browser's.
 */
export const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * One Intl.DateTimeFormat per locale, zone and options: building one costs far more than using
 * it, and a week of a busy practice formats thousands of times.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function format(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let found = formats.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, options);
    formats.set(key, found);
  }
  return found;
}

export function zoneLabel(zone: string, at: Date = new Date()): string {
  const name = format('en-US', { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return name ?? zone;
}

/** " (EST)" when the zone differs from the browser's, else "". */
export function zoneSuffix(zone: string, at: Date = new Date(), browserZone = BROWSER_ZONE): string {
  return sameOffset(zone, browserZone, at) ? '' : ` (${zoneLabel(zone, at)})`;
}

function sameOffset(a: string, b: string, at: Date): boolean {
  if (a === b) {
    return true;
  }
  const f = (zone: string) =>
    format('en-US', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      day: '2-digit',
      hourCycle: 'h23',
    }).format(at);
  return f(a) === f(b);
}

export function formatTime(iso: string | Date, zone: string): string {
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  return format('en-US', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

export function formatDate(iso: string | Date, zone: string): string {
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  return format('en-US', { timeZone: zone, weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }).format(at);
}

export function formatDateTime(iso: string | Date, zone: string): string {
  return `${formatDate(iso, zone)} ${formatTime(iso, zone)}${zoneSuffix(zone, typeof iso === 'string' ? new Date(iso) : iso)}`;
}

/** The local date (yyyy-mm-dd) of an instant in a zone. */
export function localDate(at: Date, zone: string): string {
  const parts = format('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  return parts;
}

/** yyyy-mm-dd of today in a zone. */
export function today(zone: string): string {
  return localDate(new Date(), zone);
}

/** Adds days to a local date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const at = new Date(Date.UTC(y, m - 1, d + days));
  return at.toISOString().slice(0, 10);
}

/** The Monday of the week holding a local date. */
export function weekStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const at = new Date(Date.UTC(y, m - 1, d));
  return addDays(date, -((at.getUTCDay() + 6) % 7));
}

/** First and last day of the month holding a date, and the month's label. */
export function monthOf(date: string): { start: string; end: string; label: string } {
  const [y, m] = date.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const mm = String(m).padStart(2, '0');
  return {
    start: `${y}-${mm}-01`,
    end: `${y}-${mm}-${String(last).padStart(2, '0')}`,
    label: format('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1))),
  };
}

/** An instant as the wall-clock time of a zone, without offset (for FullCalendar in UTC mode). */
export function wallClock(iso: string | Date, zone: string): string {
  const parts = Object.fromEntries(
    format('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(typeof iso === 'string' ? new Date(iso) : iso)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * The instant a wall-clock time of a zone means, with that zone's offset: "2026-12-03", "18:00",
 * "America/New_York" gives "2026-12-03T18:00:00-05:00". A time skipped by a daylight-saving change
 * moves forward by the gap, as calendars do.
 */
export function zonedIso(date: string, time: string, zone: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const target = Date.UTC(y, m - 1, d, hh, mm);
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const wall = Date.parse(`${wallClock(new Date(guess), zone)}Z`);
    guess += target - wall;
  }
  const offset = Math.round((Date.parse(`${wallClock(new Date(guess), zone)}Z`) - guess) / 60000);
  const local = wallClock(new Date(guess), zone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
