import FullCalendar from '@fullcalendar/react';
import timeGridPlugin from '@fullcalendar/timegrid';
import interactionPlugin from '@fullcalendar/interaction';
import type { DatesSetArg, EventDropArg } from '@fullcalendar/core';
import { useState } from 'react';
import { build, bool_, num, text } from '../../fhir/parameters';
import { humanName, idOf, nameOf } from '../../fhir/practice';
import { addDays, formatDate, formatTime, today, wallClock, zoneLabel, zoneSuffix, zonedIso } from '../../lib/time';
import { BusyButton, Empty, Field, Loading, NotForRole, Notice, ProblemBox, useAction, useAsync } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';
import { Select } from '../hub/SchedulingHub';
import { BLOCK_TYPES, blockSlot, entriesOf, movable, validateBlock, type BlockErrors, type BlockForm, type CalendarEntry } from './entries';

/**
 * One therapist's merged calendar: group sessions, individual appointments and every block of
 * their Schedule (working hours as background), conflicts marked; add a block, move one (drag, or
 * the keyboard form in the list), and the iCalendar feed link.
 */
export function TherapistCalendar() {
  const api = useApi();
  const practice = usePractice();
  const own = api.role === 'THERAPIST' ? api.fhirUser : undefined;
  const [who, setWho] = useState<string | undefined>(own ?? (practice.practitioners[0] ? idOf(practice.practitioners[0]) : undefined));
  const [range, setRange] = useState<{ start: string; end: string }>();
  const [moving, setMoving] = useState<CalendarEntry>();
  const [adding, setAdding] = useState(false);
  const zone = practice.zone;

  const calendar = useAsync(async () => {
    if (!who || !range) return undefined;
    const out = await api.get<fhir4.Parameters>(`${who}/$calendar?start=${range.start}&end=${addDays(range.end, -1)}`);
    return { entries: entriesOf(out), conflicts: num(out, 'conflicts') ?? 0 };
  }, [who, range?.start, range?.end]);

  const drop = useAction(async (arg: EventDropArg) => {
    const entry = calendar.data?.entries.find((e) => e.resource === arg.event.id);
    if (!entry || !arg.event.start || !arg.event.end) return;
    try {
      await moveSlot(entry.resource, wallIso(arg.event.startStr), wallIso(arg.event.endStr));
      calendar.reload();
    } catch (e) {
      arg.revert();
      throw e;
    }
  });

  async function moveSlot(slot: string, startWall: string, endWall: string) {
    const current = await api.get<fhir4.Slot>(slot);
    const next = {
      ...current,
      start: zonedIso(startWall.slice(0, 10), startWall.slice(11, 16), zone),
      end: zonedIso(endWall.slice(0, 10), endWall.slice(11, 16), zone),
    };
    await api.put(slot, next, current.meta?.versionId ? { 'If-Match': `W/"${current.meta.versionId}"` } : {});
  }

  const events = (calendar.data?.entries ?? []).map((e) => ({
    id: e.resource,
    title: `${e.title}${e.place ? ` · ${e.place}` : ''}${e.conflict ? ' · conflict' : ''}`,
    start: wallClock(e.start, zone),
    end: wallClock(e.end, zone),
    display: e.kind === 'working-hours' ? 'background' : 'auto',
    editable: movable(e) && e.kind !== 'working-hours',
    classNames: e.conflict ? ['conflict'] : [],
    backgroundColor:
      e.kind === 'working-hours' ? '#d7ecdc' : e.status === 'cancelled' ? '#8a96a5' : e.conflict ? '#a3261e' : e.kind === 'session' ? '#1f5fa8' : e.kind === 'pto' ? '#5b6573' : '#6a4c93',
  }));

  if (api.role === 'BILLER') {
    return <NotForRole what="Therapists’ calendars are kept by the VAs and the therapists themselves." who="Billing works from the sessions’ attendance and claims." />;
  }
  return (
    <div>
      <div className="toolbar">
        {own ? (
          <p style={{ margin: 0 }}>Your calendar</p>
        ) : (
          <Select
            label="Therapist"
            value={who}
            placeholder="Choose a therapist"
            onChange={setWho}
            options={practice.practitioners.map((p) => [idOf(p), humanName(p.name)])}
          />
        )}
        {who && <button onClick={() => setAdding(true)}>Add a block…</button>}
      </div>
      <p className="hint">
        Times in {zoneLabel(zone)} ({zone}){zoneSuffix(zone) ? ', not your computer’s time zone' : ''}. Working hours are
        shaded green; drag a block to move it, or use Move in the list.
      </p>
      {who && adding && (
        <AddBlock
          practitioner={who}
          onClose={() => setAdding(false)}
          onAdded={() => {
            setAdding(false);
            calendar.reload();
          }}
        />
      )}
      <ProblemBox problem={calendar.error} onRetry={calendar.reload} />
      <ProblemBox problem={drop.problem} />
      {calendar.data && calendar.data.conflicts > 0 && (
        <Notice kind="warn" title={`${calendar.data.conflicts} overlapping entr${calendar.data.conflicts === 1 ? 'y' : 'ies'} this period`} items={[]} />
      )}
      {!who ? (
        <Empty>Choose a therapist to see their calendar.</Empty>
      ) : (
        <div className="card" aria-label="Calendar">
          <FullCalendar
            plugins={[timeGridPlugin, interactionPlugin]}
            initialView="timeGridWeek"
            timeZone="UTC"
            headerToolbar={{ left: 'prev,today,next', center: 'title', right: 'timeGridWeek,timeGridDay' }}
            buttonText={{ today: 'This week', week: 'Week', day: 'Day', prev: '‹ Previous', next: 'Next ›' }}
            buttonIcons={false}
            firstDay={1}
            allDaySlot={false}
            slotMinTime="07:00:00"
            slotMaxTime="22:00:00"
            height="auto"
            events={events}
            eventDurationEditable={false}
            eventDrop={(arg) => void drop.go(arg)}
            datesSet={(arg: DatesSetArg) => {
              const start = arg.startStr.slice(0, 10);
              const end = arg.endStr.slice(0, 10);
              if (range?.start !== start || range?.end !== end) setRange({ start, end });
            }}
          />
        </div>
      )}
      {calendar.loading && <Loading what="the calendar" />}
      {moving && (
        <MoveBlock
          entry={moving}
          onClose={() => setMoving(undefined)}
          onMove={async (start, end) => {
            await moveSlot(moving.resource, start, end);
            setMoving(undefined);
            calendar.reload();
          }}
        />
      )}
      {calendar.data && <EntryList entries={calendar.data.entries} onMove={setMoving} />}
      {who && <FeedLink practitioner={who} name={nameOf(practice, who)} />}
    </div>
  );
}

/** "2026-12-03T18:00:00Z" or without Z: the wall clock FullCalendar shows in UTC mode. */
function wallIso(value: string): string {
  return value.replace(/Z$/, '').slice(0, 16);
}

function EntryList({ entries, onMove }: { entries: CalendarEntry[]; onMove?: (e: CalendarEntry) => void }) {
  const practice = usePractice();
  const zone = practice.zone;
  const shown = entries.filter((e) => e.kind !== 'working-hours');
  if (shown.length === 0) return <Empty>Nothing on this calendar in this period.</Empty>;
  return (
    <table>
      <caption className="sr-only">Calendar entries in time order</caption>
      <thead>
        <tr>
          <th>When</th>
          <th>What</th>
          <th>Place</th>
          <th>Status</th>
          <th>
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {shown.map((e) => (
          <tr key={e.resource}>
            <td>
              {formatDate(e.start, zone)} {formatTime(e.start, zone)}–{formatTime(e.end, zone)}
            </td>
            <td>
              {e.title}
              {e.conflict && <span className="badge bad"> conflict</span>}
            </td>
            <td>{e.place ?? '—'}</td>
            <td>{e.status}</td>
            <td>
              {onMove && movable(e) && (
                <button className="secondary" onClick={() => onMove(e)} aria-label={`Move ${e.title} on ${formatDate(e.start, zone)} at ${formatTime(e.start, zone)}`}>
                  Move
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddBlock({ practitioner, onClose, onAdded }: { practitioner: string; onClose: () => void; onAdded: () => void }) {
  const api = useApi();
  const practice = usePractice();
  const [form, setForm] = useState<BlockForm>({ kind: 'supervision', date: today(practice.zone), from: '12:00', to: '13:00', note: '' });
  const [errors, setErrors] = useState<BlockErrors>({});
  const add = useAction(async () => {
    const found = validateBlock(form);
    setErrors(found);
    if (Object.keys(found).length) return;
    const schedules = await api.search<fhir4.Schedule>(`Schedule?actor=${encodeURIComponent(practitioner)}&active=true`, 1);
    const schedule =
      schedules[0] ??
      (await api.post<fhir4.Schedule>('Schedule', {
        resourceType: 'Schedule',
        active: true,
        actor: [{ reference: practitioner }],
        comment: `Calendar of ${nameOf(practice, practitioner)}`,
      }));
    const slot = blockSlot(form, idOf(schedule), zonedIso(form.date, form.from, practice.zone), zonedIso(form.date, form.to, practice.zone));
    await api.post('Slot', slot);
    onAdded();
  });
  const set = (patch: Partial<BlockForm>) => setForm({ ...form, ...patch });
  return (
    <section className="card" aria-labelledby="add-block">
      <h3 id="add-block">Add a block to {nameOf(practice, practitioner)}’s calendar</h3>
      <div className="grid2">
        <Field label="What for" error={errors.kind}>
          {(p) => (
            <select {...p} value={form.kind} onChange={(e) => set({ kind: e.target.value })}>
              {Object.entries(BLOCK_TYPES).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Date" error={errors.date}>
          {(p) => <input {...p} type="date" value={form.date} onChange={(e) => set({ date: e.target.value })} />}
        </Field>
        <Field label="From" error={errors.from}>
          {(p) => <input {...p} type="time" value={form.from} onChange={(e) => set({ from: e.target.value })} />}
        </Field>
        <Field label="To" error={errors.to}>
          {(p) => <input {...p} type="time" value={form.to} onChange={(e) => set({ to: e.target.value })} />}
        </Field>
        <Field label="Note" hint="Shown on the calendar and its feed: no client names." error={errors.note}>
          {(p) => <input {...p} value={form.note} onChange={(e) => set({ note: e.target.value })} />}
        </Field>
      </div>
      <ProblemBox problem={add.problem} />
      <div className="row">
        <BusyButton busy={add.busy} onClick={() => void add.go()}>
          Add block
        </BusyButton>
        <button className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function MoveBlock({ entry, onClose, onMove }: { entry: CalendarEntry; onClose: () => void; onMove: (start: string, end: string) => Promise<void> }) {
  const practice = usePractice();
  const zone = practice.zone;
  const start = wallClock(entry.start, zone);
  const end = wallClock(entry.end, zone);
  const [form, setForm] = useState<BlockForm>({ kind: entry.kind, date: start.slice(0, 10), from: start.slice(11, 16), to: end.slice(11, 16), note: '' });
  const [errors, setErrors] = useState<BlockErrors>({});
  const move = useAction(async () => {
    const found = validateBlock(form);
    setErrors(found);
    if (Object.keys(found).length) return;
    await onMove(`${form.date}T${form.from}`, `${form.date}T${form.to}`);
  });
  return (
    <section className="card" aria-labelledby="move-block">
      <h3 id="move-block">Move {entry.title}</h3>
      <div className="grid2">
        <Field label="New date" error={errors.date}>
          {(p) => <input {...p} type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />}
        </Field>
        <Field label="From" error={errors.from}>
          {(p) => <input {...p} type="time" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />}
        </Field>
        <Field label="To" error={errors.to}>
          {(p) => <input {...p} type="time" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />}
        </Field>
      </div>
      <ProblemBox problem={move.problem} />
      <div className="row">
        <BusyButton busy={move.busy} onClick={() => void move.go()}>
          Move block
        </BusyButton>
        <button className="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </section>
  );
}

/** The secret iCalendar feed link: get (a new one revokes the old), copy, or revoke. */
function FeedLink({ practitioner, name }: { practitioner: string; name: string }) {
  const api = useApi();
  const [url, setUrl] = useState<string>();
  const [done, setDone] = useState<string>();
  const create = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(`${practitioner}/$calendar-feed`, build([]));
    setUrl(text(out, 'url'));
    setDone(undefined);
  });
  const revoke = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(`${practitioner}/$calendar-feed`, build([['revoke', bool_(true)]]));
    setUrl(undefined);
    const n = num(out, 'revoked') ?? 0;
    setDone(n ? 'The feed link was revoked: calendar apps using it stop updating.' : 'There was no feed link to revoke.');
  });
  if (api.role === 'BILLER') {
    return <NotForRole what="Calendar feed links are managed by the therapist, a VA or an administrator." who="" />;
  }
  return (
    <section className="card" aria-labelledby="feed">
      <h3 id="feed">Calendar feed for {name}</h3>
      <p className="hint">
        A secret link calendar apps (Google, Outlook, Apple) subscribe to. It never names a member. Getting a new link
        stops the old one working.
      </p>
      {url && (
        <div className="row">
          <label htmlFor="feed-url" className="sr-only">
            Feed link
          </label>
          <input id="feed-url" readOnly value={url} style={{ flex: 1, minWidth: '18rem' }} onFocus={(e) => e.target.select()} />
          <button
            className="secondary"
            onClick={() => {
              void navigator.clipboard?.writeText(url).then(() => setDone('Link copied.'), () => setDone('Select the link and copy it.'));
            }}
          >
            Copy link
          </button>
        </div>
      )}
      {done && (
        <p role="status" className="muted">
          {done}
        </p>
      )}
      <ProblemBox problem={create.problem ?? revoke.problem} />
      <div className="row">
        <BusyButton busy={create.busy} onClick={() => void create.go()}>
          {url ? 'Get a new link' : 'Get feed link'}
        </BusyButton>
        <BusyButton busy={revoke.busy} className="secondary" onClick={() => void revoke.go()}>
          Revoke link
        </BusyButton>
      </div>
    </section>
  );
}
