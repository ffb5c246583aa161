import { describe, expect, it } from 'vitest';
import { applyFilters, toHubSessions, wallClock } from '../src/features/hub/sessions';
import { SD, type Practice } from '../src/fhir/practice';
import { toCsv } from '../src/lib/csv';
import { addDays, localDate, monthOf, weekStart, zoneSuffix } from '../src/lib/time';

const group = (id: string, name: string, capacity: number): fhir4.Group => ({
  resourceType: 'Group',
  id,
  name,
  type: 'person',
  actual: true,
  extension: [
    { url: SD + 'group-timezone', valueCode: 'America/New_York' },
    { url: SD + 'group-capacity', extension: [{ url: 'maximum', valuePositiveInt: capacity }] },
  ],
});

const session = (id: string, groupId: string, start: string, end: string, who: string[]): fhir4.Appointment => ({
  resourceType: 'Appointment',
  id,
  status: 'booked',
  start,
  end,
  supportingInformation: [{ reference: `Group/${groupId}` }],
  participant: who.map((r) => ({ actor: { reference: r }, status: 'accepted' })),
});

const practice: Practice = {
  groups: [group('g1', 'DBT skills', 8), group('g2', 'Grief support', 10)],
  practitioners: [{ resourceType: 'Practitioner', id: 't1', name: [{ given: ['Dana'], family: 'Lee' }] }],
  locations: [
    { resourceType: 'Location', id: 'r1', name: 'Room 1', partOf: { reference: 'Location/site1' } },
    { resourceType: 'Location', id: 'r2', name: 'Room 2', partOf: { reference: 'Location/site2' } },
  ],
  payers: [],
  zone: 'America/New_York',
};

describe('hub sessions', () => {
  const sessions = toHubSessions(
    [
      session('a2', 'g2', '2026-12-02T23:30:00Z', '2026-12-03T01:00:00Z', ['Practitioner/t1', 'Location/r2', 'Patient/x']),
      session('a1', 'g1', '2026-12-02T23:00:00Z', '2026-12-03T00:30:00Z', ['Practitioner/t1', 'Location/r1', 'Patient/p', 'Patient/q']),
    ],
    practice,
  );

  it('sorts by start, counts members and open seats', () => {
    expect(sessions.map((s) => s.title)).toEqual(['DBT skills', 'Grief support']);
    expect(sessions[0].members).toBe(2);
    expect(sessions[0].openSeats).toBe(6);
    expect(sessions[0].place).toBe('Room 1');
  });

  it('marks a therapist held by two overlapping sessions, in words', () => {
    expect(sessions[0].conflicts).toEqual(['Dana Lee is also in Grief support at the same time']);
    expect(sessions[1].conflicts).toEqual(['Dana Lee is also in DBT skills at the same time']);
  });

  it('filters by site, room and group', () => {
    expect(applyFilters(sessions, { site: 'Location/site2' }, practice).map((s) => s.id)).toEqual(['Appointment/a2']);
    expect(applyFilters(sessions, { room: 'Location/r1' }, practice).map((s) => s.id)).toEqual(['Appointment/a1']);
    expect(applyFilters(sessions, { group: 'Group/g2', practitioner: 'Practitioner/t1' }, practice)).toHaveLength(1);
  });
});

describe('local times', () => {
  it('shows an instant at the wall clock of the group’s zone', () => {
    expect(wallClock('2026-12-02T23:00:00Z', 'America/New_York')).toBe('2026-12-02T18:00:00');
    expect(localDate(new Date('2026-12-02T03:00:00Z'), 'America/Los_Angeles')).toBe('2026-12-01');
  });

  it('names the zone only when it differs from the browser’s', () => {
    const at = new Date('2026-12-02T12:00:00Z');
    expect(zoneSuffix('America/New_York', at, 'America/New_York')).toBe('');
    expect(zoneSuffix('America/New_York', at, 'Europe/Berlin')).toBe(' (EST)');
  });

  it('walks dates across months and weeks', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(weekStart('2026-12-03')).toBe('2026-11-30');
    expect(monthOf('2027-02-10')).toEqual({ start: '2027-02-01', end: '2027-02-28', label: 'February 2027' });
  });

  it('writes CSV with quoting where a field needs it', () => {
    expect(toCsv(['a', 'b'], [['x, y', 'say "hi"'], [1, null]])).toBe('a,b\r\n"x, y","say ""hi"""\r\n1,\r\n');
  });
});
