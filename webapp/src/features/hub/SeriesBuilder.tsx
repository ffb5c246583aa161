import { useMemo, useState } from 'react';
import { build, code, int, bool_, reference, str, text } from '../../fhir/parameters';
import { groupCadence, groupJoinUrl, groupRoom, groupZone, idOf, isRoom, nameOf } from '../../fhir/practice';
import { errorsOf, notices } from '../../lib/errors';
import {
  buildRrule,
  describePlan,
  firstSessionStart,
  parseCadence,
  validatePlan,
  WEEKDAYS,
  WEEKDAY_NAMES,
  type PlanErrors,
  type SeriesPlan,
} from '../../lib/rrule';
import { addDays, formatDate, formatTime, today, zoneSuffix } from '../../lib/time';
import { BusyButton, Field, Notice, ProblemBox, useAction } from '../../ui/components';
import { useApi, usePractice } from '../../ui/context';

interface Preview {
  sessions: fhir4.Appointment[];
  conflicts: string[];
  warnings: string[];
}

/** Create a series from a group: the recurrence, a dry-run preview in words, then confirm. */
export function SeriesBuilder({ onClose, onCreated }: { onClose: () => void; onCreated: (message: string) => void }) {
  const api = useApi();
  const practice = usePractice();
  const [groupId, setGroupId] = useState<string>('');
  const group = practice.groups.find((g) => idOf(g) === groupId);
  const zone = groupZone(group, practice.zone);
  const [plan, setPlan] = useState<SeriesPlan>({
    days: ['MO'],
    interval: 1,
    startDate: addDays(today(practice.zone), 7),
    time: '18:00',
    durationMinutes: 90,
    end: { kind: 'count', count: 12 },
  });
  const [placeKind, setPlaceKind] = useState<'default' | 'room' | 'virtual'>('default');
  const [room, setRoom] = useState('');
  const [virtual, setVirtual] = useState('');
  const [holidays, setHolidays] = useState(true);
  const [exdates, setExdates] = useState('');
  const [overrideReason, setOverrideReason] = useState('');
  const [errors, setErrors] = useState<PlanErrors & { room?: string; virtual?: string; exdate?: string; group?: string }>({});
  const [preview, setPreview] = useState<Preview>();

  const chooseGroup = (id: string) => {
    setGroupId(id);
    setPreview(undefined);
    const g = practice.groups.find((x) => idOf(x) === id);
    const cadence = parseCadence(groupCadence(g!));
    if (cadence) {
      setPlan((p) => ({ ...p, ...cadence }));
    }
  };

  const exdateList = exdates
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);

  const parameters = (dryRun: boolean) =>
    build([
      ['rrule', str(buildRrule(plan))],
      ['start', str(firstSessionStart(plan))],
      ['durationMinutes', int(plan.durationMinutes)],
      ...exdateList.map((d): [string, { valueDate: string }] => ['exdate', { valueDate: d }]),
      ['holidayCalendar', holidays ? code('us-federal') : undefined],
      ['room', placeKind === 'room' ? reference(room) : undefined],
      ['virtual', placeKind === 'virtual' && virtual ? { valueUrl: virtual } : undefined],
      ['dryRun', bool_(dryRun || undefined)],
      ['overrideReason', dryRun ? undefined : str(overrideReason || undefined)],
    ]);

  const validate = (): boolean => {
    const found: typeof errors = { ...validatePlan(plan) };
    if (!group) found.group = 'Choose the group the series is for.';
    if (placeKind === 'room' && !room) found.room = 'Choose a room.';
    if (placeKind === 'virtual' && !/^https:\/\/\S+$/.test(virtual)) found.virtual = 'Give the https join link.';
    const bad = exdateList.find((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d));
    if (bad) found.exdate = `“${bad}” is not a date (yyyy-mm-dd).`;
    setErrors(found);
    return Object.keys(found).length === 0;
  };

  const previewAction = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(`${groupId}/$schedule-series`, parameters(true));
    const bundle = out.parameter?.find((p) => p.name === 'sessions')?.resource as fhir4.Bundle | undefined;
    const outcome = out.parameter?.find((p) => p.name === 'outcome')?.resource as fhir4.OperationOutcome | undefined;
    setPreview({
      sessions: (bundle?.entry ?? []).map((e) => e.resource).filter((r): r is fhir4.Appointment => r?.resourceType === 'Appointment'),
      conflicts: errorsOf(outcome),
      warnings: notices(outcome).warnings,
    });
  });
  const confirmAction = useAction(async () => {
    const out = await api.post<fhir4.Parameters>(`${groupId}/$schedule-series`, parameters(false), { Prefer: 'return=minimal' });
    onCreated(`Series ${text(out, 'series')} booked: ${preview?.sessions.length ?? ''} sessions of ${group?.name}.`);
  });

  const fieldError = (name: string) => previewAction.problem?.byField[name] ?? confirmAction.problem?.byField[name];
  const rooms = useMemo(() => practice.locations.filter(isRoom), [practice]);

  return (
    <section className="card" aria-labelledby="series-title">
      <div className="spread">
        <h3 id="series-title">New session series</h3>
        <button className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setPreview(undefined);
          if (validate()) void previewAction.go();
        }}
        noValidate
      >
        <div className="grid2">
          <div>
            <Field label="Group" error={errors.group}>
              {(p) => (
                <select {...p} value={groupId} onChange={(e) => chooseGroup(e.target.value)}>
                  <option value="">Choose a group…</option>
                  {practice.groups.map((g) => (
                    <option key={g.id} value={idOf(g)}>
                      {g.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <fieldset className="field">
              <legend>Days of the week</legend>
              <div className="row">
                {WEEKDAYS.map((d) => (
                  <label key={d} className="row" style={{ fontWeight: 400 }}>
                    <input
                      type="checkbox"
                      checked={plan.days.includes(d)}
                      onChange={(e) =>
                        setPlan({ ...plan, days: e.target.checked ? [...plan.days, d] : plan.days.filter((x) => x !== d) })
                      }
                    />
                    {WEEKDAY_NAMES[d].slice(0, 3)}
                  </label>
                ))}
              </div>
              {(errors.days || fieldError('rrule')) && <div className="error" role="alert">{errors.days ?? fieldError('rrule')}</div>}
            </fieldset>
            <div className="row">
              <Field label="Every … weeks" error={errors.interval}>
                {(p) => <input {...p} type="number" min={1} max={8} value={plan.interval} onChange={(e) => setPlan({ ...plan, interval: Number(e.target.value) })} style={{ width: '5rem' }} />}
              </Field>
              <Field label={`Start time${group ? zoneSuffix(zone) : ''}`} error={errors.time ?? fieldError('start')}>
                {(p) => <input {...p} type="time" value={plan.time} onChange={(e) => setPlan({ ...plan, time: e.target.value })} />}
              </Field>
              <Field label="Minutes" error={errors.durationMinutes ?? fieldError('durationMinutes')}>
                {(p) => <input {...p} type="number" min={5} max={720} value={plan.durationMinutes} onChange={(e) => setPlan({ ...plan, durationMinutes: Number(e.target.value) })} style={{ width: '6rem' }} />}
              </Field>
            </div>
          </div>
          <div>
            <Field label="First possible date" error={errors.startDate} hint="The first session is on the first chosen weekday from this date.">
              {(p) => <input {...p} type="date" value={plan.startDate} onChange={(e) => setPlan({ ...plan, startDate: e.target.value })} />}
            </Field>
            <fieldset className="field">
              <legend>Ends</legend>
              <label className="row" style={{ fontWeight: 400 }}>
                <input type="radio" name="end" checked={plan.end.kind === 'count'} onChange={() => setPlan({ ...plan, end: { kind: 'count', count: 12 } })} />
                after
                <input
                  type="number"
                  aria-label="Number of sessions"
                  min={1}
                  max={200}
                  disabled={plan.end.kind !== 'count'}
                  value={plan.end.kind === 'count' ? plan.end.count : ''}
                  onChange={(e) => setPlan({ ...plan, end: { kind: 'count', count: Number(e.target.value) } })}
                  style={{ width: '5rem' }}
                />
                sessions
              </label>
              <label className="row" style={{ fontWeight: 400 }}>
                <input type="radio" name="end" checked={plan.end.kind === 'until'} onChange={() => setPlan({ ...plan, end: { kind: 'until', until: addDays(plan.startDate, 84) } })} />
                on
                <input
                  type="date"
                  aria-label="Last date"
                  disabled={plan.end.kind !== 'until'}
                  value={plan.end.kind === 'until' ? plan.end.until : ''}
                  onChange={(e) => setPlan({ ...plan, end: { kind: 'until', until: e.target.value } })}
                />
              </label>
              {(errors.end || fieldError('count') || fieldError('until')) && (
                <div className="error" role="alert">{errors.end ?? fieldError('count') ?? fieldError('until')}</div>
              )}
            </fieldset>
            <label className="row" style={{ fontWeight: 400 }}>
              <input type="checkbox" checked={holidays} onChange={(e) => setHolidays(e.target.checked)} /> Skip US federal holidays
            </label>
            <Field label="Other dates without a session" hint="yyyy-mm-dd, separated by commas" error={errors.exdate ?? fieldError('exdate')}>
              {(p) => <input {...p} value={exdates} onChange={(e) => setExdates(e.target.value)} />}
            </Field>
            <fieldset className="field">
              <legend>Where</legend>
              <label className="row" style={{ fontWeight: 400 }}>
                <input type="radio" name="place" checked={placeKind === 'default'} onChange={() => setPlaceKind('default')} />
                The group’s usual place{group ? ` (${groupRoom(group) ? nameOf(practice, groupRoom(group)) : groupJoinUrl(group) ? 'video' : 'none set'})` : ''}
              </label>
              <label className="row" style={{ fontWeight: 400 }}>
                <input type="radio" name="place" checked={placeKind === 'room'} onChange={() => setPlaceKind('room')} /> Room
                <select aria-label="Room" disabled={placeKind !== 'room'} value={room} onChange={(e) => setRoom(e.target.value)}>
                  <option value="">Choose…</option>
                  {rooms.map((r) => (
                    <option key={r.id} value={idOf(r)}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </label>
              <label className="row" style={{ fontWeight: 400 }}>
                <input type="radio" name="place" checked={placeKind === 'virtual'} onChange={() => setPlaceKind('virtual')} /> Video link
                <input aria-label="Video link" disabled={placeKind !== 'virtual'} value={virtual} placeholder="https://…" onChange={(e) => setVirtual(e.target.value)} />
              </label>
              {(errors.room || errors.virtual || fieldError('room') || fieldError('virtual')) && (
                <div className="error" role="alert">{errors.room ?? errors.virtual ?? fieldError('room') ?? fieldError('virtual')}</div>
              )}
            </fieldset>
          </div>
        </div>
        <p className="hint">{describePlan(plan)}.</p>
        <BusyButton busy={previewAction.busy} busyText="Checking…" type="submit">
          Preview
        </BusyButton>
      </form>
      <ProblemBox problem={previewAction.problem} />
      {preview && (
        <div aria-live="polite">
          <h4>Preview: {preview.sessions.length} sessions</h4>
          {preview.conflicts.length > 0 && <Notice kind="warn" title="Conflicts" items={preview.conflicts} />}
          {preview.warnings.length > 0 && <Notice kind="info" title="Notes" items={preview.warnings} />}
          <ol className="hint" style={{ columns: 3 }}>
            {preview.sessions.map((s) => (
              <li key={s.start}>
                {formatDate(s.start!, zone)} {formatTime(s.start!, zone)}
              </li>
            ))}
          </ol>
          {preview.conflicts.length > 0 && (
            <Field label="Book anyway because…" hint="Needed to book despite the conflicts; it is recorded.">
              {(p) => <input {...p} value={overrideReason} onChange={(e) => setOverrideReason(e.target.value)} />}
            </Field>
          )}
          <BusyButton
            busy={confirmAction.busy}
            busyText="Booking…"
            disabled={preview.conflicts.length > 0 && !overrideReason.trim()}
            onClick={() => void confirmAction.go()}
          >
            Confirm and book {preview.sessions.length} sessions
          </BusyButton>
          <ProblemBox problem={confirmAction.problem} />
        </div>
      )}
    </section>
  );
}
