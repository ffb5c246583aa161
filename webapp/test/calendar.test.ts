import { describe, expect, it } from 'vitest';
import { blockSlot, entriesOf, movable, validateBlock } from '../src/features/calendar/entries';
import { zonedIso } from '../src/lib/time';

describe('therapist calendar', () => {
  it('reads $calendar entries', () => {
    const entries = entriesOf({
      resourceType: 'Parameters',
      parameter: [
        { name: 'conflicts', valueInteger: 1 },
        {
          name: 'entry',
          part: [
            { name: 'resource', valueReference: { reference: 'Slot/s1' } },
            { name: 'kind', valueCode: 'supervision' },
            { name: 'title', valueString: 'Supervision' },
            { name: 'start', valueInstant: '2026-12-03T17:00:00Z' },
            { name: 'end', valueInstant: '2026-12-03T18:00:00Z' },
            { name: 'status', valueCode: 'busy' },
            { name: 'conflict', valueBoolean: true },
            { name: 'conflictsWith', valueReference: { reference: 'Appointment/a1' } },
          ],
        },
      ],
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ resource: 'Slot/s1', kind: 'supervision', conflict: true, conflictsWith: ['Appointment/a1'] });
    expect(movable(entries[0])).toBe(true);
    expect(movable({ ...entries[0], kind: 'prep' })).toBe(false);
    expect(movable({ ...entries[0], resource: 'Appointment/a1' })).toBe(false);
  });

  it('validates a block before sending it', () => {
    expect(validateBlock({ kind: 'pto', date: '2026-12-24', from: '09:00', to: '17:00', note: '' })).toEqual({});
    expect(validateBlock({ kind: 'nap', date: '24/12', from: '9', to: '08:00', note: '' })).toEqual({
      kind: 'Choose what the block is for.',
      date: 'Give the date.',
      from: 'Give the start as HH:MM.',
    });
    expect(validateBlock({ kind: 'pto', date: '2026-12-24', from: '17:00', to: '09:00', note: '' }).to).toBe('The end comes after the start.');
  });

  it('makes a calendar-block Slot whose status follows its kind', () => {
    const form = { kind: 'pto', date: '2026-12-24', from: '09:00', to: '17:00', note: ' Away ' };
    const slot = blockSlot(form, 'Schedule/x', '2026-12-24T09:00:00-05:00', '2026-12-24T17:00:00-05:00');
    expect(slot.status).toBe('busy-unavailable');
    expect(slot.comment).toBe('Away');
    expect(slot.serviceType?.[0].coding?.[0].code).toBe('pto');
    expect(blockSlot({ ...form, kind: 'working-hours' }, 'Schedule/x', '', '').status).toBe('free');
    expect(blockSlot({ ...form, kind: 'supervision' }, 'Schedule/x', '', '').status).toBe('busy');
  });

  it('turns a local time of the practice into an instant with the right offset, across DST', () => {
    expect(zonedIso('2026-12-03', '18:00', 'America/New_York')).toBe('2026-12-03T18:00:00-05:00');
    expect(zonedIso('2026-07-03', '18:00', 'America/New_York')).toBe('2026-07-03T18:00:00-04:00');
    expect(zonedIso('2026-07-03', '18:00', 'Asia/Kolkata')).toBe('2026-07-03T18:00:00+05:30');
    // 02:30 does not exist on 2026-03-08 in New York: it moves forward an hour.
    expect(zonedIso('2026-03-08', '02:30', 'America/New_York')).toBe('2026-03-08T03:30:00-04:00');
  });
});
