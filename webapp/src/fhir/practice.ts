import type { Api } from './api';

export const SD = 'http://grouptherapy.example.org/fhir/StructureDefinition/';
export const CS = 'http://grouptherapy.example.org/fhir/CodeSystem/';
export const SERIES_SYSTEM = 'http://grouptherapy.example.org/identifiers/series';
export const PAYER_ID_SYSTEM = 'http://grouptherapy.example.org/identifiers/payer-id';

/** The payer id billing operations take (the Organization's payer-id identifier). */
export const payerId = (payer: fhir4.Organization) => payer.identifier?.find((i) => i.system === PAYER_ID_SYSTEM)?.value ?? payer.id!;

export interface Practice {
  groups: fhir4.Group[];
  practitioners: fhir4.Practitioner[];
  locations: fhir4.Location[];
  payers: fhir4.Organization[];
  /** The practice's time zone: that of most of its groups. */
  zone: string;
}

export function ext(resource: { extension?: fhir4.Extension[] } | undefined, name: string): fhir4.Extension | undefined {
  return resource?.extension?.find((e) => e.url === SD + name);
}

export function exts(resource: { extension?: fhir4.Extension[] } | undefined, name: string): fhir4.Extension[] {
  return resource?.extension?.filter((e) => e.url === SD + name) ?? [];
}

export function sub(extension: fhir4.Extension | undefined, name: string): fhir4.Extension | undefined {
  return extension?.extension?.find((e) => e.url === name);
}

export function idOf(resource: fhir4.Resource): string {
  return `${resource.resourceType}/${resource.id}`;
}

export function humanName(names: fhir4.HumanName[] | undefined): string {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return 'Unnamed';
  const text = [name.given?.join(' '), name.family].filter(Boolean).join(' ');
  return (name.suffix?.length ? `${text}, ${name.suffix.join(' ')}` : text) || name.text || 'Unnamed';
}

export const groupZone = (g: fhir4.Group | undefined, fallback: string) => ext(g, 'group-timezone')?.valueCode ?? fallback;
export const groupCapacity = (g: fhir4.Group) => sub(ext(g, 'group-capacity'), 'maximum')?.valuePositiveInt;
export const groupStatus = (g: fhir4.Group) => ext(g, 'group-status')?.valueCode ?? 'running';
export const groupCadence = (g: fhir4.Group) => ext(g, 'group-cadence')?.valueString;
export const groupRoom = (g: fhir4.Group) => ext(g, 'group-location')?.valueReference?.reference;
export const groupJoinUrl = (g: fhir4.Group) => ext(g, 'group-join-url')?.valueUrl ?? ext(g, 'group-join-url')?.valueUri;
export const groupMode = (g: fhir4.Group) => ext(g, 'group-enrolment-mode')?.valueCode;

export function groupFacilitators(g: fhir4.Group): { practitioner: string; primary: boolean }[] {
  return exts(g, 'group-facilitator')
    .map((e) => ({
      practitioner: sub(e, 'practitioner')?.valueReference?.reference ?? '',
      primary: (sub(e, 'role')?.valueCode ?? sub(e, 'role')?.valueCoding?.code ?? 'primary') === 'primary',
    }))
    .filter((f) => f.practitioner);
}

export function activeMembers(g: fhir4.Group, onDay: string): fhir4.GroupMember[] {
  return (g.member ?? []).filter(
    (m) => !m.inactive && (!m.period?.end || m.period.end.slice(0, 10) >= onDay) && (!m.period?.start || m.period.start.slice(0, 10) <= onDay),
  );
}

export async function loadPractice(api: Api): Promise<Practice> {
  const [groups, practitioners, locations, payers] = await Promise.all([
    api.search<fhir4.Group>(`Group?_profile=${encodeURIComponent(SD + 'therapy-group')}&_count=200`),
    api.search<fhir4.Practitioner>('Practitioner?_count=200'),
    api.search<fhir4.Location>('Location?_count=200'),
    api.search<fhir4.Organization>('Organization?type=pay&_count=100').catch(() => []),
  ]);
  groups.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  practitioners.sort((a, b) => humanName(a.name).localeCompare(humanName(b.name)));
  const zones = new Map<string, number>();
  for (const g of groups) {
    const z = ext(g, 'group-timezone')?.valueCode;
    if (z) zones.set(z, (zones.get(z) ?? 0) + 1);
  }
  const zone = [...zones.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { groups, practitioners, locations, payers, zone };
}

export function nameOf(practice: Practice, reference: string | undefined): string {
  if (!reference) return '—';
  const [type, id] = reference.split('/');
  if (type === 'Practitioner') {
    const p = practice.practitioners.find((x) => x.id === id);
    return p ? humanName(p.name) : reference;
  }
  if (type === 'Group') {
    return practice.groups.find((x) => x.id === id)?.name ?? reference;
  }
  if (type === 'Location') {
    return practice.locations.find((x) => x.id === id)?.name ?? reference;
  }
  if (type === 'Organization') {
    return practice.payers.find((x) => x.id === id)?.name ?? reference;
  }
  return reference;
}

export const isRoom = (l: fhir4.Location) => l.physicalType?.coding?.some((c) => c.code === 'ro');
export const isVirtual = (l: fhir4.Location) => l.mode === 'kind' || l.physicalType?.coding?.some((c) => c.code === 'vi');

/** Sessions: group-session Appointments, by group. */
export function sessionGroup(a: fhir4.Appointment): string | undefined {
  return a.supportingInformation?.find((r) => r.reference?.startsWith('Group/'))?.reference;
}

export const sessionNumber = (a: fhir4.Appointment) => ext(a, 'session-number')?.valuePositiveInt;
export const seriesOf = (a: fhir4.Appointment) => a.identifier?.find((i) => i.system === SERIES_SYSTEM)?.value;

export function attendanceOf(participant: fhir4.AppointmentParticipant) {
  const e = participant.extension?.find((x) => x.url === SD + 'session-attendance');
  if (!e) return undefined;
  return {
    status: sub(e, 'status')?.valueCode,
    minutesLate: sub(e, 'minutesLate')?.valueInteger,
    minutesLeftEarly: sub(e, 'minutesLeftEarly')?.valueInteger,
    setting: sub(e, 'setting')?.valueCode,
  };
}

export function patientsOf(a: fhir4.Appointment): string[] {
  return (a.participant ?? []).map((p) => p.actor?.reference ?? '').filter((r) => r.startsWith('Patient/'));
}

export function practitionersOf(a: fhir4.Appointment): string[] {
  return (a.participant ?? []).map((p) => p.actor?.reference ?? '').filter((r) => r.startsWith('Practitioner/'));
}

export function placeOf(practice: Practice, a: fhir4.Appointment): string {
  const room = (a.participant ?? []).map((p) => p.actor?.reference ?? '').find((r) => r.startsWith('Location/'));
  if (room) return nameOf(practice, room);
  return ext(a, 'session-join-url') ? 'Video' : '—';
}
