import { all, bool, text, texts } from '../../fhir/parameters';
import { CS, SD } from '../../fhir/practice';

/** One entry of a practitioner's merged calendar ($calendar). */
export interface CalendarEntry {
  resource: string;
  kind: string;
  title: string;
  start: string;
  end: string;
  status: 'busy' | 'free' | 'cancelled' | string;
  place?: string;
  joinUrl?: string;
  conflict: boolean;
  conflictsWith: string[];
}

export const BLOCK_TYPE_SYSTEM = `${CS}calendar-block-type`;

export const BLOCK_TYPES: Record<string, string> = {
  'working-hours': 'Working hours',
  pto: 'Paid time off',
  supervision: 'Supervision',
  'team-meeting': 'Team meeting',
  'individual-therapy': 'Individual therapy',
  prep: 'Session preparation',
  documentation: 'Documentation',
};

/** Blocks that belong to a group session move with it, not on their own. */
export const FOLLOWS_SESSION = new Set(['prep', 'documentation']);

export function entriesOf(calendar: fhir4.Parameters): CalendarEntry[] {
  return all(calendar, 'entry').map((e) => ({
    resource: text(e, 'resource') ?? '',
    kind: text(e, 'kind') ?? 'block',
    title: text(e, 'title') ?? '',
    start: text(e, 'start') ?? '',
    end: text(e, 'end') ?? '',
    status: text(e, 'status') ?? 'busy',
    place: text(e, 'place'),
    joinUrl: text(e, 'joinUrl'),
    conflict: bool(e, 'conflict') ?? false,
    conflictsWith: texts(e, 'conflictsWith'),
  }));
}

/** Whether the VA may add, move or remove the entry here (a Slot that is not a session's). */
export function movable(entry: CalendarEntry): boolean {
  return entry.resource.startsWith('Slot/') && !FOLLOWS_SESSION.has(entry.kind) && entry.status !== 'cancelled';
}

export interface BlockForm {
  kind: string;
  date: string;
  from: string;
  to: string;
  note: string;
}

export type BlockErrors = Partial<Record<keyof BlockForm, string>>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export function validateBlock(form: BlockForm): BlockErrors {
  const errors: BlockErrors = {};
  if (!BLOCK_TYPES[form.kind]) errors.kind = 'Choose what the block is for.';
  if (!DATE.test(form.date)) errors.date = 'Give the date.';
  if (!TIME.test(form.from)) errors.from = 'Give the start as HH:MM.';
  if (!TIME.test(form.to)) errors.to = 'Give the end as HH:MM.';
  else if (TIME.test(form.from) && form.to <= form.from) errors.to = 'The end comes after the start.';
  if (form.note.length > 200) errors.note = 'Keep the note under 200 characters.';
  return errors;
}

/** The calendar-block Slot for a form, on a practitioner's Schedule, at the zone's local times. */
export function blockSlot(form: BlockForm, schedule: string, start: string, end: string): fhir4.Slot {
  return {
    resourceType: 'Slot',
    meta: { profile: [`${SD}calendar-block`] },
    schedule: { reference: schedule },
    status: form.kind === 'working-hours' ? 'free' : form.kind === 'pto' ? 'busy-unavailable' : 'busy',
    serviceType: [{ coding: [{ system: BLOCK_TYPE_SYSTEM, code: form.kind, display: BLOCK_TYPES[form.kind] }] }],
    start,
    end,
    comment: form.note.trim() || undefined,
  };
}
