import { describe, expect, it } from 'vitest';
import { attendanceByGroupAndMonth, claimsByPayerAndMonth, monthsBetween, percent, retentionRows, seriesOver } from '../src/features/reports/aggregate';
import { counts, deliveryOf, rowOf } from '../src/features/messages/outbox';
import { SD } from '../src/fhir/practice';

const attended = (patient: string, status: string): fhir4.AppointmentParticipant => ({
  actor: { reference: patient },
  status: 'accepted',
  extension: [{ url: SD + 'session-attendance', extension: [{ url: 'status', valueCode: status }] }],
});

const session = (start: string, group: string, who: fhir4.AppointmentParticipant[], status: fhir4.Appointment['status'] = 'fulfilled'): fhir4.Appointment => ({
  resourceType: 'Appointment',
  status,
  start,
  end: start,
  supportingInformation: [{ reference: group }],
  participant: [{ actor: { reference: 'Practitioner/t' }, status: 'accepted' }, ...who],
});

describe('reports', () => {
  it('lists the months of a range across a year end', () => {
    expect(monthsBetween('2026-11', '2027-02')).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
  });

  it('rates attendance per group and local month; excused absences do not count against', () => {
    const cells = attendanceByGroupAndMonth(
      [
        session('2026-11-03T23:00:00Z', 'Group/a', [attended('Patient/1', 'attended'), attended('Patient/2', 'no-show'), attended('Patient/3', 'excused')]),
        // 1 Dec 02:00 UTC is still 30 November in New York.
        session('2026-12-01T02:00:00Z', 'Group/a', [attended('Patient/1', 'late'), attended('Patient/2', 'late-cancel')]),
        session('2026-11-10T23:00:00Z', 'Group/a', [attended('Patient/1', 'no-show')], 'cancelled'),
      ],
      'America/New_York',
    );
    expect(cells).toEqual([{ group: 'Group/a', month: '2026-11', attended: 2, noShows: 1, lateCancels: 1, excused: 1, rate: 0.5 }]);
    expect(percent(0.5)).toBe('50%');
  });

  it('adds up claims per payer and month of service, leaving cancelled ones out', () => {
    const claim = (payer: string, served: string, total: number, status: fhir4.Claim['status'] = 'active'): fhir4.Claim =>
      ({ resourceType: 'Claim', status, insurer: { reference: payer }, item: [{ sequence: 1, servicedDate: served }], total: { value: total } }) as fhir4.Claim;
    const cells = claimsByPayerAndMonth(
      [claim('Organization/p', '2026-11-02', 80.1), claim('Organization/p', '2026-11-09', 80.2), claim('Organization/p', '2026-11-16', 80, 'cancelled'), claim('Organization/p', '2026-09-01', 80)],
      ['2026-10', '2026-11'],
    );
    expect(cells).toEqual([{ payer: 'Organization/p', month: '2026-11', claims: 2, amount: 160.3 }]);
    const series = seriesOver(cells, ['2026-10', '2026-11'], (c) => c.payer, (c) => c.amount);
    expect(series.get('Organization/p')).toEqual([null, 160.3]);
  });

  it('reads the retention report rows', () => {
    const rows = retentionRows({
      resourceType: 'Parameters',
      parameter: [{ name: 'row', part: [{ name: 'dimension', valueString: 'overall' }, { name: 'value', valueString: 'all' }, { name: 'members', valueInteger: 4 }, { name: 'retained', valueInteger: 3 }, { name: 'rate', valueDecimal: 0.75 }] }],
    });
    expect(rows).toEqual([{ dimension: 'overall', value: 'all', members: 4, retained: 3, rate: 0.75 }]);
  });
});

describe('outbox', () => {
  it('tells what happened to each message and what to do next', () => {
    const failed: fhir4.Communication = { resourceType: 'Communication', id: 'c1', status: 'stopped', statusReason: { text: 'Email could not be delivered after 8 attempts' }, recipient: [{ reference: 'Patient/p' }], topic: { text: 'New sessions' } };
    const phone: fhir4.Communication = { resourceType: 'Communication', id: 'c2', status: 'not-done', statusReason: { text: 'No email address on file: contact by phone' } };
    expect(deliveryOf(failed)).toBe('failed');
    expect(rowOf(failed)).toMatchObject({ id: 'Communication/c1', recipients: ['Patient/p'], topic: 'New sessions', next: 'Check the address on file, then retry.' });
    expect(rowOf(phone).next).toBe('Call them: there is no email address on file.');
    expect(counts([rowOf(failed), rowOf(phone), rowOf({ resourceType: 'Communication', status: 'completed' })])).toEqual({ queued: 0, sending: 0, sent: 1, failed: 1, 'not-sent': 1 });
  });
});
