import { describe, expect, it } from 'vitest';
import { buildRrule, describePlan, firstSessionDate, firstSessionStart, parseCadence, validatePlan, type SeriesPlan } from '../src/lib/rrule';

const plan: SeriesPlan = {
  days: ['TH', 'MO'],
  interval: 1,
  startDate: '2026-12-02',
  time: '18:00',
  durationMinutes: 90,
  end: { kind: 'count', count: 12 },
};

describe('series plan', () => {
  it('builds the RFC 5545 rule with the days in week order', () => {
    expect(buildRrule(plan)).toBe('FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12');
    expect(buildRrule({ ...plan, interval: 2, end: { kind: 'until', until: '2027-03-31' } })).toBe(
      'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20270331',
    );
  });

  it('says the plan in words', () => {
    expect(describePlan(plan)).toBe('Weekly on Monday and Thursday at 18:00 for 90 minutes, 12 sessions');
    expect(describePlan({ ...plan, days: ['WE'], interval: 2, end: { kind: 'count', count: 1 } })).toBe(
      'Every 2 weeks on Wednesday at 18:00 for 90 minutes, 1 session',
    );
  });

  it('starts on the first chosen weekday on or after the start date', () => {
    // 2026-12-02 is a Wednesday: the first Monday or Thursday is Thursday the 3rd.
    expect(firstSessionDate(plan)).toBe('2026-12-03');
    expect(firstSessionDate({ days: ['WE'], startDate: '2026-12-02' })).toBe('2026-12-02');
    expect(firstSessionDate({ days: ['TU'], startDate: '2026-12-30' })).toBe('2027-01-05');
    expect(firstSessionStart(plan)).toBe('2026-12-03T18:00');
  });

  it('names each field that is wrong', () => {
    expect(validatePlan(plan)).toEqual({});
    const errors = validatePlan({
      days: [],
      interval: 0,
      startDate: '2026-13-45',
      time: '25:00',
      durationMinutes: 2,
      end: { kind: 'count', count: 0 },
    });
    expect(Object.keys(errors).sort()).toEqual(['days', 'durationMinutes', 'end', 'interval', 'startDate', 'time']);
    expect(validatePlan({ ...plan, end: { kind: 'until', until: '2026-11-01' } }).end).toBe('The last date comes before the first.');
  });

  it('reads a group cadence back into days and interval', () => {
    expect(parseCadence('FREQ=WEEKLY;BYDAY=TU,TH')).toEqual({ days: ['TU', 'TH'], interval: 1 });
    expect(parseCadence('freq=weekly;interval=2;byday=mo')).toEqual({ days: ['MO'], interval: 2 });
    expect(parseCadence('FREQ=MONTHLY;BYDAY=MO')).toBeNull();
    expect(parseCadence(undefined)).toBeNull();
  });
});
