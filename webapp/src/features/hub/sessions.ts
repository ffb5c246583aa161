import type { Practice } from '../../fhir/practice';
import {
  activeMembers,
  groupCapacity,
  groupZone,
  idOf,
  nameOf,
  patientsOf,
  placeOf,
  practitionersOf,
  sessionGroup,
  sessionNumber,
} from '../../fhir/practice';

/** A group session as the hub shows it. */
export interface HubSession {
  id: string;
  appointment: fhir4.Appointment;
  group?: fhir4.Group;
  title: string;
  start: string;
  end: string;
  zone: string;
  status: string;
  practitioners: string[];
  rooms: string[];
  members: number;
  capacity?: number;
  openSeats?: number;
  place: string;
  number?: number;
  conflicts: string[];
}

const HOLDING = new Set(['booked', 'pending', 'arrived', 'checked-in', 'fulfilled', 'proposed']);

export function toHubSessions(appointments: fhir4.Appointment[], practice: Practice): HubSession[] {
  const sessions = appointments
    .filter((a) => a.start && a.end && sessionGroup(a))
    .map((a) => {
      const groupRef = sessionGroup(a);
      const group = practice.groups.find((g) => idOf(g) === groupRef);
      const members = (a.participant ?? []).filter(
        (p) => p.actor?.reference?.startsWith('Patient/') && p.status !== 'declined',
      ).length;
      const capacity = group ? groupCapacity(group) : undefined;
      return {
        id: idOf(a),
        appointment: a,
        group,
        title: group?.name ?? a.description ?? 'Session',
        start: a.start!,
        end: a.end!,
        zone: groupZone(group, practice.zone),
        status: a.status,
        practitioners: practitionersOf(a),
        rooms: (a.participant ?? []).map((p) => p.actor?.reference ?? '').filter((r) => r.startsWith('Location/')),
        members,
        capacity,
        openSeats: capacity === undefined ? undefined : Math.max(0, capacity - members),
        place: placeOf(practice, a),
        number: sessionNumber(a),
        conflicts: [] as string[],
      };
    });
  markConflicts(sessions, practice);
  return sessions.sort((a, b) => a.start.localeCompare(b.start));
}

/**
 * Sessions that hold the same practitioner or room at overlapping times, in words. A sweep over
 * the sessions in start order: each is compared only with those that start before it ends.
 */
export function markConflicts(sessions: HubSession[], practice: Practice): void {
  const active = sessions
    .filter((s) => HOLDING.has(s.status))
    .map((s) => ({ s, start: Date.parse(s.start), end: Date.parse(s.end), holds: new Set([...s.practitioners, ...s.rooms]) }))
    .sort((a, b) => a.start - b.start);
  for (let i = 0; i < active.length; i++) {
    const a = active[i];
    for (let j = i + 1; j < active.length && active[j].start < a.end; j++) {
      const b = active[j];
      for (const who of a.holds) {
        if (b.holds.has(who)) {
          a.s.conflicts.push(`${nameOf(practice, who)} is also in ${b.s.title} at the same time`);
          b.s.conflicts.push(`${nameOf(practice, who)} is also in ${a.s.title} at the same time`);
        }
      }
    }
  }
}

export interface HubFilters {
  site?: string;
  practitioner?: string;
  room?: string;
  group?: string;
}

export function applyFilters(sessions: HubSession[], filters: HubFilters, practice: Practice): HubSession[] {
  return sessions.filter((s) => {
    if (filters.group && (!s.group || idOf(s.group) !== filters.group)) return false;
    if (filters.practitioner && !s.practitioners.includes(filters.practitioner)) return false;
    if (filters.room && !s.rooms.includes(filters.room)) return false;
    if (filters.site) {
      const inSite = s.rooms.some((r) => {
        const room = practice.locations.find((l) => idOf(l) === r);
        return room?.partOf?.reference === filters.site || r === filters.site;
      });
      if (!inSite) return false;
    }
    return true;
  });
}

export { wallClock } from '../../lib/time';

export function membersOnDay(group: fhir4.Group, day: string): number {
  return activeMembers(group, day).length;
}

export { patientsOf };
