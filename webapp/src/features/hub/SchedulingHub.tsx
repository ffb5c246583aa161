import FullCalendar from '@fullcalendar/react';
import timeGridPlugin from '@fullcalendar/timegrid';
import type { DatesSetArg, EventClickArg } from '@fullcalendar/core';
import { useMemo, useState } from 'react';
import { idOf, isRoom, nameOf, humanName, SD } from '../../fhir/practice';
import { formatDate, formatTime, zoneLabel, zoneSuffix } from '../../lib/time';
import { Empty, Loading, Notice, ProblemBox, useAsync } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';
import { SeriesBuilder } from './SeriesBuilder';
import { SessionPanel } from './SessionPanel';
import { applyFilters, toHubSessions, wallClock, type HubFilters, type HubSession } from './sessions';

/**
 * Every group session of a week or day, with rooms and therapists, conflicts and open seats;
 * filters by site, therapist, room and group; a series builder; one session's actions.
 */
export function SchedulingHub() {
  const api = useApi();
  const practice = usePractice();
  const [range, setRange] = useState<{ start: string; end: string }>();
  const [filters, setFilters] = useState<HubFilters>({});
  const [selected, setSelected] = useState<string>();
  const [building, setBuilding] = useState(false);
  const [notice, setNotice] = useState<string>();

  const loaded = useAsync(async () => {
    if (!range) return [];
    const appointments = await api.search<fhir4.Appointment>(
      `Appointment?date=ge${range.start}&date=lt${range.end}&_profile=${encodeURIComponent(SD + 'group-session')}&_count=500`,
      10,
    );
    return toHubSessions(appointments, practice);
  }, [range?.start, range?.end]);

  const sessions = useMemo(() => applyFilters(loaded.data ?? [], filters, practice), [loaded.data, filters, practice]);
  const current = sessions.find((s) => s.id === selected) ?? loaded.data?.find((s) => s.id === selected);
  const sites = practice.locations.filter((l) => l.physicalType?.coding?.some((c) => c.code === 'si'));
  const rooms = practice.locations.filter(isRoom);
  const conflicts = sessions.filter((s) => s.conflicts.length > 0 && s.status !== 'cancelled');

  const events = useMemo(() => sessions.map((s) => ({
    id: s.id,
    title: `${s.title}${s.status === 'cancelled' ? ' (cancelled)' : ''}${s.openSeats !== undefined ? ` · ${s.openSeats} open` : ''}${s.conflicts.length ? ' · conflict' : ''}`,
    start: wallClock(s.start, practice.zone),
    end: wallClock(s.end, practice.zone),
    classNames: s.conflicts.length ? ['conflict'] : [],
    backgroundColor: s.status === 'cancelled' ? '#8a96a5' : s.conflicts.length ? '#a3261e' : '#1f5fa8',
  })), [sessions, practice.zone]);

  return (
    <div>
      <div className="toolbar" role="group" aria-label="Filters">
        <Select label="Site" value={filters.site} onChange={(site) => setFilters({ ...filters, site })} options={sites.map((l) => [idOf(l), l.name ?? l.id!])} />
        <Select
          label="Therapist"
          value={filters.practitioner}
          onChange={(practitioner) => setFilters({ ...filters, practitioner })}
          options={practice.practitioners.map((p) => [idOf(p), humanName(p.name)])}
        />
        <Select label="Room" value={filters.room} onChange={(room) => setFilters({ ...filters, room })} options={rooms.map((l) => [idOf(l), l.name ?? l.id!])} />
        <Select label="Group" value={filters.group} onChange={(group) => setFilters({ ...filters, group })} options={practice.groups.map((g) => [idOf(g), g.name ?? g.id!])} />
        <button onClick={() => { setNotice(undefined); setBuilding(true); }}>New series…</button>
      </div>
      <p className="hint">
        Times in {zoneLabel(practice.zone)} ({practice.zone}){zoneSuffix(practice.zone) ? ', not your computer’s time zone' : ''}.
      </p>
      {notice && <Notice kind="ok" title={notice} items={[]} />}
      {building && (
        <SeriesBuilder
          onClose={() => setBuilding(false)}
          onCreated={(message) => {
            setBuilding(false);
            setNotice(message);
            loaded.reload();
          }}
        />
      )}
      <ProblemBox problem={loaded.error} onRetry={loaded.reload} />
      {conflicts.length > 0 && (
        <div className="alert warn" role="status">
          <h3>{conflicts.length} session{conflicts.length === 1 ? '' : 's'} with conflicts</h3>
          <ul>
            {conflicts.slice(0, 6).map((s) => (
              <li key={s.id}>
                {s.title}, {formatDate(s.start, practice.zone)} {formatTime(s.start, practice.zone)}: {s.conflicts[0]}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="card" aria-label="Calendar">
        <FullCalendar
          plugins={[timeGridPlugin]}
          initialView="timeGridWeek"
          timeZone="UTC"
          headerToolbar={{ left: 'prev,today,next', center: 'title', right: 'timeGridWeek,timeGridDay' }}
          buttonText={{ today: 'This week', week: 'Week', day: 'Day', prev: '‹ Previous', next: 'Next ›' }}
            buttonIcons={false}
            eventMaxStack={4}
          firstDay={1}
          allDaySlot={false}
          slotMinTime="07:00:00"
          slotMaxTime="22:00:00"
          height="auto"
          nowIndicator={false}
          events={events}
          eventClick={(arg: EventClickArg) => setSelected(arg.event.id)}
          datesSet={(arg: DatesSetArg) => {
            const start = arg.startStr.slice(0, 10);
            const end = arg.endStr.slice(0, 10);
            if (range?.start !== start || range?.end !== end) {
              setRange({ start, end });
            }
          }}
        />
      </div>
      {loaded.loading && <Loading what="sessions" />}
      {current && (
        <SessionPanel
          session={current}
          onClose={() => setSelected(undefined)}
          onChanged={() => loaded.reload()}
        />
      )}
      <SessionList sessions={sessions} onOpen={setSelected} loading={loaded.loading} />
    </div>
  );
}

function SessionList({ sessions, onOpen, loading }: { sessions: HubSession[]; onOpen: (id: string) => void; loading: boolean }) {
  const practice = usePractice();
  if (!loading && sessions.length === 0) {
    return <Empty>No sessions in this period for these filters.</Empty>;
  }
  return (
    <table aria-label="Sessions in view">
      <caption className="sr-only">Sessions in view, in time order</caption>
      <thead>
        <tr>
          <th>When</th>
          <th>Group</th>
          <th>Therapists</th>
          <th>Place</th>
          <th className="num">Members</th>
          <th className="num">Open seats</th>
          <th>Status</th>
          <th>
            <span className="sr-only">Open</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id}>
            <td>
              {formatDate(s.start, s.zone)} {formatTime(s.start, s.zone)}–{formatTime(s.end, s.zone)}
              {zoneSuffix(s.zone, new Date(s.start))}
            </td>
            <td>
              {s.title}
              {s.number ? <span className="muted"> · session {s.number}</span> : null}
            </td>
            <td>{s.practitioners.map((p) => nameOf(practice, p)).join(', ')}</td>
            <td>{s.place}</td>
            <td className="num">{s.members}</td>
            <td className="num">{s.openSeats ?? '—'}</td>
            <td>
              {s.status === 'cancelled' ? <span className="badge">cancelled</span> : s.conflicts.length ? <span className="badge bad">conflict</span> : <span className="badge ok">{s.status}</span>}
            </td>
            <td>
              <button className="secondary" onClick={() => onOpen(s.id)} aria-label={`Open ${s.title} on ${formatDate(s.start, s.zone)} at ${formatTime(s.start, s.zone)}`}>
                Open
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Select({
  label,
  value,
  onChange,
  options,
  placeholder = 'All',
}: {
  label: string;
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  options: [string, string][];
  placeholder?: string;
}) {
  const id = `sel-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{placeholder}</option>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
