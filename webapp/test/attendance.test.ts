import { describe, expect, it } from 'vitest';
import { changed, markRestAttended, problems, setMinutes, setStatus, sheetFor, tally, toParameters } from '../src/lib/attendance';

const members = ['Patient/a', 'Patient/b', 'Patient/c'];

describe('attendance sheet', () => {
  it('asks for every member and the minutes a status needs', () => {
    let sheet = sheetFor(members);
    expect(Object.keys(problems(sheet, 90))).toEqual(members);
    sheet = setStatus(sheet, 'Patient/a', 'late');
    sheet = markRestAttended(sheet);
    expect(problems(sheet, 90)).toEqual({ 'Patient/a': 'How many minutes late?' });
    sheet = setMinutes(sheet, 'Patient/a', 'minutesLate', 95);
    expect(problems(sheet, 90)['Patient/a']).toContain('at most 89 minutes');
    sheet = setMinutes(sheet, 'Patient/a', 'minutesLate', 15);
    expect(problems(sheet, 90)).toEqual({});
  });

  it('drops minutes when the status no longer uses them', () => {
    let sheet = setMinutes(setStatus(sheetFor(members), 'Patient/a', 'late'), 'Patient/a', 'minutesLate', 10);
    sheet = setStatus(sheet, 'Patient/a', 'no-show');
    expect(sheet['Patient/a'].minutesLate).toBeUndefined();
  });

  it('knows what changed since the server recorded it', () => {
    const recorded = { 'Patient/a': { patient: 'Patient/a', status: 'attended' as const } };
    const sheet = setStatus(sheetFor(members, recorded), 'Patient/b', 'excused');
    expect(changed(sheet, recorded)).toEqual(['Patient/b']);
    expect(changed(sheetFor(members, recorded), recorded)).toEqual([]);
  });

  it('builds $record-attendance input, with the telehealth setting only for those who attended a virtual session', () => {
    let sheet = sheetFor(members);
    sheet = setMinutes(setStatus(sheet, 'Patient/a', 'late'), 'Patient/a', 'minutesLate', 10);
    sheet = setStatus(sheet, 'Patient/b', 'no-show');
    sheet = { ...sheet, 'Patient/a': { ...sheet['Patient/a'], setting: 'telehealth-home' }, 'Patient/b': { ...sheet['Patient/b'], setting: 'telehealth-home' } };
    const params = toParameters(sheet, true);
    expect(params.parameter).toHaveLength(2);
    const a = params.parameter![0].part!;
    expect(a.map((p) => p.name)).toEqual(['patient', 'status', 'minutesLate', 'setting']);
    expect(a[2].valueInteger).toBe(10);
    expect(params.parameter![1].part!.map((p) => p.name)).toEqual(['patient', 'status']);
    expect(toParameters(sheet, false).parameter![0].part!.map((p) => p.name)).not.toContain('setting');
  });

  it('counts per status', () => {
    const sheet = setStatus(sheetFor(members), 'Patient/a', 'no-show');
    const counts = tally(sheet);
    expect(counts['no-show']).toBe(1);
    expect(counts.unmarked).toBe(2);
  });
});
