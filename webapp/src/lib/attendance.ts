/**
 * Attendance of one session as the VA takes it: one status per member, minutes for late arrivals
 * and early departures, the telehealth setting of virtual sessions. Knows what is complete, what
 * changed since the server's record, and the $record-attendance input.
 */
export const STATUSES = ['attended', 'late', 'left-early', 'no-show', 'late-cancel', 'excused'] as const;
export type AttendanceStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<AttendanceStatus, string> = {
  attended: 'Attended',
  late: 'Late',
  'left-early': 'Left early',
  'no-show': 'No-show',
  'late-cancel': 'Late cancel',
  excused: 'Excused',
};

export type Setting = 'telehealth-home' | 'telehealth-other';

export interface MemberAttendance {
  patient: string;
  status?: AttendanceStatus;
  minutesLate?: number;
  minutesLeftEarly?: number;
  setting?: Setting;
}

export type AttendanceSheet = Record<string, MemberAttendance>;

export function sheetFor(members: string[], recorded: AttendanceSheet = {}): AttendanceSheet {
  const sheet: AttendanceSheet = {};
  for (const patient of members) {
    sheet[patient] = { ...(recorded[patient] ?? { patient }) };
  }
  return sheet;
}

/** Sets one member's status, keeping minutes only where the status uses them. */
export function setStatus(sheet: AttendanceSheet, patient: string, status: AttendanceStatus): AttendanceSheet {
  const current = sheet[patient] ?? { patient };
  return {
    ...sheet,
    [patient]: {
      ...current,
      status,
      minutesLate: status === 'late' ? current.minutesLate : undefined,
      minutesLeftEarly: status === 'left-early' ? current.minutesLeftEarly : undefined,
    },
  };
}

export function setMinutes(
  sheet: AttendanceSheet,
  patient: string,
  field: 'minutesLate' | 'minutesLeftEarly',
  minutes: number | undefined,
): AttendanceSheet {
  return { ...sheet, [patient]: { ...(sheet[patient] ?? { patient }), [field]: minutes } };
}

/** Everyone attended, except those already marked otherwise. */
export function markRestAttended(sheet: AttendanceSheet): AttendanceSheet {
  const next: AttendanceSheet = {};
  for (const [patient, row] of Object.entries(sheet)) {
    next[patient] = row.status ? row : { ...row, status: 'attended' };
  }
  return next;
}

/** What stops the sheet from being sent, per member, in words. */
export function problems(sheet: AttendanceSheet, sessionMinutes: number): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [patient, row] of Object.entries(sheet)) {
    if (!row.status) {
      found[patient] = 'Mark this member.';
    } else if (row.status === 'late') {
      if (row.minutesLate === undefined || !Number.isInteger(row.minutesLate) || row.minutesLate < 1) {
        found[patient] = 'How many minutes late?';
      } else if (row.minutesLate >= sessionMinutes) {
        found[patient] = `Late by at most ${sessionMinutes - 1} minutes: the session lasts ${sessionMinutes}.`;
      }
    } else if (row.status === 'left-early') {
      if (
        row.minutesLeftEarly === undefined ||
        !Number.isInteger(row.minutesLeftEarly) ||
        row.minutesLeftEarly < 1
      ) {
        found[patient] = 'How many minutes before the end?';
      } else if (row.minutesLeftEarly >= sessionMinutes) {
        found[patient] = `At most ${sessionMinutes - 1} minutes early: the session lasts ${sessionMinutes}.`;
      }
    }
  }
  return found;
}

/** Members whose row differs from what the server recorded. */
export function changed(sheet: AttendanceSheet, recorded: AttendanceSheet): string[] {
  return Object.keys(sheet).filter((patient) => {
    const a = sheet[patient];
    const b = recorded[patient];
    return (
      (a.status ?? null) !== (b?.status ?? null) ||
      (a.minutesLate ?? null) !== (b?.minutesLate ?? null) ||
      (a.minutesLeftEarly ?? null) !== (b?.minutesLeftEarly ?? null) ||
      (a.setting ?? null) !== (b?.setting ?? null)
    );
  });
}

/** The $record-attendance Parameters for the whole sheet. */
export function toParameters(sheet: AttendanceSheet, virtual: boolean): fhir4.Parameters {
  const parameter: fhir4.ParametersParameter[] = Object.values(sheet)
    .filter((row) => row.status)
    .map((row) => {
      const part: fhir4.ParametersParameter[] = [
        { name: 'patient', valueReference: { reference: row.patient } },
        { name: 'status', valueCode: row.status },
      ];
      if (row.status === 'late' && row.minutesLate !== undefined) {
        part.push({ name: 'minutesLate', valueInteger: row.minutesLate });
      }
      if (row.status === 'left-early' && row.minutesLeftEarly !== undefined) {
        part.push({ name: 'minutesLeftEarly', valueInteger: row.minutesLeftEarly });
      }
      if (virtual && row.setting && attends(row.status)) {
        part.push({ name: 'setting', valueCode: row.setting });
      }
      return { name: 'attendance', part };
    });
  // R4 JSON has no empty arrays: an empty sheet is Parameters without parameters.
  return parameter.length ? { resourceType: 'Parameters', parameter } : { resourceType: 'Parameters' };
}

/** Whether a status means the member was there (and the session bills for them). */
export function attends(status: AttendanceStatus | undefined): boolean {
  return status === 'attended' || status === 'late' || status === 'left-early';
}

/** Counts per status, for the sheet's summary line. */
export function tally(sheet: AttendanceSheet): Record<AttendanceStatus | 'unmarked', number> {
  const counts = Object.fromEntries([...STATUSES, 'unmarked'].map((s) => [s, 0])) as Record<
    AttendanceStatus | 'unmarked',
    number
  >;
  for (const row of Object.values(sheet)) {
    counts[row.status ?? 'unmarked']++;
  }
  return counts;
}
