import { useMemo, useState } from 'react';
import { text } from '../../fhir/parameters';
import { attendanceOf, humanName, idOf, nameOf, SD, ext } from '../../fhir/practice';
import {
  changed,
  markRestAttended,
  problems,
  setMinutes,
  setStatus,
  sheetFor,
  STATUS_LABELS,
  STATUSES,
  tally,
  toParameters,
  type AttendanceSheet,
  type AttendanceStatus,
  type Setting,
} from '../../lib/attendance';
import { notices } from '../../lib/errors';
import { addDays, formatDate, formatDateTime, formatTime, today } from '../../lib/time';
import { BusyButton, Empty, Loading, Notice, NotForRole, ProblemBox, useAction, useAsync } from '../../ui/components';
import { takeFocus, useApi, usePractice } from '../../ui/context';
import { toHubSessions, type HubSession } from '../hub/sessions';

/** Today's sessions first, then recent ones still waiting for attendance; one session's sheet. */
export function Attendance() {
  const api = useApi();
  const practice = usePractice();
  const [selected, setSelected] = useState<string | undefined>(() => takeFocus('session'));
  const day = today(practice.zone);
  const sessions = useAsync(async () => {
    const found = await api.search<fhir4.Appointment>(
      `Appointment?date=ge${addDays(day, -14)}&date=le${day}&_profile=${encodeURIComponent(SD + 'group-session')}&_count=500`,
      5,
    );
    return toHubSessions(found, practice).filter((s) => s.status !== 'cancelled' && Date.parse(s.start) <= Date.now());
  }, [day]);

  // A session opened from another screen (a billing problem) may be older than 14 days.
  const other = useAsync(async () => {
    if (!selected || sessions.loading || (sessions.data ?? []).some((s) => s.id === selected)) return [];
    return toHubSessions([await api.get<fhir4.Appointment>(selected)], practice);
  }, [selected, sessions.loading]);

  if (api.role === 'BILLER' || api.role === 'PATIENT') {
    return <NotForRole what="Attendance is taken by the VAs and the facilitators." who="You see it on the Billing screen once it is recorded." />;
  }
  const list = sessions.data ?? [];
  const todays = list.filter((s) => s.start.slice(0, 10) >= day || formatDate(s.start, s.zone) === formatDate(new Date(), s.zone));
  const waiting = list.filter((s) => !todays.includes(s) && !recorded(s)).reverse();
  const done = list.filter((s) => !todays.includes(s) && recorded(s)).reverse();
  const current = list.find((s) => s.id === selected) ?? (selected ? other.data?.find((s) => s.id === selected) : undefined);

  return (
    <div>
      <ProblemBox problem={sessions.error} onRetry={sessions.reload} />
      {sessions.loading && <Loading what="sessions" />}
      {current ? (
        <Sheet session={current} onBack={() => setSelected(undefined)} onSaved={sessions.reload} />
      ) : (
        <>
          <SessionTable title="Today" sessions={todays} onOpen={setSelected} empty="No session has started today yet." />
          <SessionTable title="Waiting for attendance (last 14 days)" sessions={waiting} onOpen={setSelected} empty="Every past session has its attendance." />
          <SessionTable title="Recorded (last 14 days)" sessions={done} onOpen={setSelected} empty="Nothing recorded in the last 14 days." />
        </>
      )}
    </div>
  );

  function SessionTable({ title, sessions, onOpen, empty }: { title: string; sessions: HubSession[]; onOpen: (id: string) => void; empty: string }) {
    return (
      <section className="card" aria-label={title}>
        <h3>{title}</h3>
        {sessions.length === 0 ? (
          <Empty>{empty}</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Group</th>
                <th>Facilitators</th>
                <th className="num">Members</th>
                <th>Attendance</th>
                <th><span className="sr-only">Open</span></th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id}>
                  <td>{formatDateTime(s.start, s.zone)}</td>
                  <td>{s.title}{s.number ? <span className="muted"> · session {s.number}</span> : null}</td>
                  <td>{s.practitioners.map((p) => nameOf(practice, p)).join(', ')}</td>
                  <td className="num">{s.members}</td>
                  <td>{recorded(s) ? <span className="badge ok">recorded</span> : <span className="badge warn">not yet</span>}</td>
                  <td>
                    <button className="secondary" onClick={() => onOpen(s.id)} aria-label={`${recorded(s) ? 'Review' : 'Take attendance'}: ${s.title}, ${formatDate(s.start, s.zone)} at ${formatTime(s.start, s.zone)}`}>
                      {recorded(s) ? 'Review' : 'Take attendance'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    );
  }
}

function recorded(s: HubSession): boolean {
  return (s.appointment.participant ?? []).some((p) => p.actor?.reference?.startsWith('Patient/') && attendanceOf(p)?.status);
}

function recordedSheet(a: fhir4.Appointment): AttendanceSheet {
  const sheet: AttendanceSheet = {};
  for (const p of a.participant ?? []) {
    const who = p.actor?.reference;
    const mark = attendanceOf(p);
    if (who?.startsWith('Patient/') && mark?.status) {
      sheet[who] = {
        patient: who,
        status: mark.status as AttendanceStatus,
        minutesLate: mark.minutesLate,
        minutesLeftEarly: mark.minutesLeftEarly,
        setting: mark.setting as Setting | undefined,
      };
    }
  }
  return sheet;
}

function Sheet({ session, onBack, onSaved }: { session: HubSession; onBack: () => void; onSaved: () => void }) {
  const api = useApi();
  const virtual = Boolean(ext(session.appointment, 'session-join-url')) || session.place === 'Video';
  const memberRefs = (session.appointment.participant ?? [])
    .map((p) => p.actor?.reference ?? '')
    .filter((r) => r.startsWith('Patient/'));
  const [saved, setSaved] = useState<AttendanceSheet>(() => recordedSheet(session.appointment));
  const [sheet, setSheet] = useState<AttendanceSheet>(() => sheetFor(memberRefs, recordedSheet(session.appointment)));
  const [setting, setSetting] = useState<Setting>('telehealth-home');
  const [showProblems, setShowProblems] = useState(false);
  const [result, setResult] = useState<string[]>();
  const names = useAsync(async () => {
    const ids = memberRefs.map((r) => r.slice(8));
    if (ids.length === 0) return new Map<string, string>();
    const patients = await api.search<fhir4.Patient>(`Patient?_id=${ids.join(',')}&_count=100`, 1);
    return new Map(patients.map((p) => [idOf(p), humanName(p.name)]));
  }, [session.id]);
  const history = useAsync(() => api.search<fhir4.Appointment>(`${session.id}/_history?_count=20`, 1), [session.id, saved]);
  const minutes = Math.round((Date.parse(session.end) - Date.parse(session.start)) / 60000);
  const found = useMemo(() => problems(sheet, minutes), [sheet, minutes]);
  const edits = changed(sheet, saved);
  const counts = tally(sheet);

  const save = useAction(async () => {
    const withSetting: AttendanceSheet = Object.fromEntries(
      Object.entries(sheet).map(([k, v]) => [k, virtual ? { ...v, setting: v.setting ?? setting } : v]),
    );
    const out = await api.post<fhir4.Parameters>(`${session.id}/$record-attendance`, toParameters(withSetting, virtual));
    const outcome = out.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
    const said = notices(outcome);
    setResult([...said.info, ...said.warnings]);
    setSaved(withSetting);
    onSaved();
    return text(out, 'changed');
  });

  const submit = () => {
    setShowProblems(true);
    if (Object.keys(found).length === 0) void save.go();
  };

  return (
    <section className="card" aria-labelledby="sheet-title">
      <div className="spread">
        <h3 id="sheet-title">
          {session.title}
          {session.number ? `, session ${session.number}` : ''} · {formatDate(session.start, session.zone)} {formatTime(session.start, session.zone)}
        </h3>
        <button className="secondary" onClick={onBack}>
          Back to sessions
        </button>
      </div>
      {names.loading && <Loading what="members" />}
      <ProblemBox problem={names.error} />
      <p className="hint">
        {memberRefs.length} members · {counts.unmarked} not marked · {minutes} minutes{virtual ? ' · video session' : ''}
      </p>
      <div className="row" style={{ marginBottom: '0.75rem' }}>
        <button className="secondary" onClick={() => setSheet(markRestAttended(sheet))}>
          Mark everyone else attended
        </button>
        {virtual && (
          <label className="row" style={{ fontWeight: 400 }}>
            Members joined from
            <select value={setting} onChange={(e) => setSetting(e.target.value as Setting)}>
              <option value="telehealth-home">home (POS 10)</option>
              <option value="telehealth-other">elsewhere (POS 02)</option>
            </select>
          </label>
        )}
      </div>
      <table>
        <thead>
          <tr>
            <th>Member</th>
            <th>Attendance</th>
            <th>Minutes</th>
          </tr>
        </thead>
        <tbody>
          {memberRefs.map((ref) => {
            const row = sheet[ref];
            const name = names.data?.get(ref) ?? 'Member';
            return (
              <tr key={ref}>
                <th scope="row">{name}</th>
                <td>
                  <div className="seg" role="group" aria-label={`Attendance of ${name}`}>
                    {STATUSES.map((s) => (
                      <button key={s} type="button" aria-pressed={row?.status === s} onClick={() => setSheet(setStatus(sheet, ref, s))}>
                        {STATUS_LABELS[s]}
                      </button>
                    ))}
                  </div>
                  {showProblems && found[ref] && (
                    <div className="error" role="alert">
                      {found[ref]}
                    </div>
                  )}
                </td>
                <td>
                  {row?.status === 'late' && (
                    <input
                      type="number"
                      min={1}
                      aria-label={`Minutes late, ${name}`}
                      value={row.minutesLate ?? ''}
                      onChange={(e) => setSheet(setMinutes(sheet, ref, 'minutesLate', e.target.value === '' ? undefined : Number(e.target.value)))}
                      style={{ width: '5rem' }}
                    />
                  )}
                  {row?.status === 'left-early' && (
                    <input
                      type="number"
                      min={1}
                      aria-label={`Minutes before the end, ${name}`}
                      value={row.minutesLeftEarly ?? ''}
                      onChange={(e) => setSheet(setMinutes(sheet, ref, 'minutesLeftEarly', e.target.value === '' ? undefined : Number(e.target.value)))}
                      style={{ width: '5rem' }}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p>
        <BusyButton busy={save.busy} busyText="Saving…" onClick={submit} disabled={edits.length === 0}>
          {Object.keys(saved).length ? `Save correction (${edits.length} changed)` : 'Save attendance'}
        </BusyButton>
      </p>
      {save.problem?.status === 403 && api.role === 'THERAPIST' ? (
        <NotForRole what="You record attendance for the sessions you facilitate." who="A VA records it for the others." />
      ) : (
        <ProblemBox problem={save.problem} />
      )}
      {result && <Notice kind="ok" title="Attendance saved" items={result} />}
      {(history.data?.length ?? 0) > 1 && (
        <details>
          <summary>History ({history.data!.length} versions)</summary>
          <ul className="hint">
            {history.data!.map((v) => {
              const t = tally(recordedSheet(v));
              return (
                <li key={v.meta?.versionId}>
                  Version {v.meta?.versionId}, {v.meta?.lastUpdated ? formatDateTime(v.meta.lastUpdated, session.zone) : ''}:{' '}
                  {STATUSES.filter((s) => t[s] > 0).map((s) => `${t[s]} ${STATUS_LABELS[s].toLowerCase()}`).join(', ') || 'no attendance'}
                </li>
              );
            })}
          </ul>
        </details>
      )}
    </section>
  );
}
