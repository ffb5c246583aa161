package org.grouptherapy.calendar;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.SchedulingCodes;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.springframework.stereotype.Service;

/**
 * One calendar for a practitioner or a room: group sessions, individual appointments, and every
 * block of their Schedules (working hours, PTO, supervision, meetings, prep, documentation), in
 * time order, with overlapping busy entries marked as conflicts. Titles never name a member: a
 * group session is titled by its group, any other appointment just "Appointment".
 */
@Service
public class CalendarService {

  /** The longest window one calendar request covers. */
  public static final Duration MAXIMUM_WINDOW = Duration.ofDays(190);

  private static final Set<Appointment.AppointmentStatus> NOT_HELD =
      Set.of(
          Appointment.AppointmentStatus.CANCELLED,
          Appointment.AppointmentStatus.NOSHOW,
          Appointment.AppointmentStatus.ENTEREDINERROR,
          Appointment.AppointmentStatus.PROPOSED,
          Appointment.AppointmentStatus.WAITLIST);

  /**
   * One calendar entry.
   *
   * @param kind session, appointment, or a calendar-block-type code (pto, prep, ...)
   * @param status busy, free or cancelled
   * @param conflictsWith the other busy entries it overlaps
   */
  public record Entry(
      String resource,
      String kind,
      String title,
      Instant start,
      Instant end,
      String status,
      String place,
      String joinUrl,
      List<String> conflictsWith) {

    public boolean busy() {
      return "busy".equals(status);
    }
  }

  private final DaoRegistry daos;

  CalendarService(DaoRegistry daos) {
    this.daos = daos;
  }

  public List<Entry> entries(String actor, Instant from, Instant to) {
    SystemRequestDetails request = new SystemRequestDetails();
    Map<String, String> names = new HashMap<>();
    List<Entry> entries = new ArrayList<>();
    DateRangeParam range =
        new DateRangeParam(
            new DateParam(
                ParamPrefixEnum.GREATERTHAN_OR_EQUALS, Date.from(from.minus(Duration.ofDays(1)))),
            new DateParam(ParamPrefixEnum.LESSTHAN, Date.from(to)));

    SearchParameterMap appointments = SearchParameterMap.newSynchronous();
    appointments.add(Appointment.SP_ACTOR, new ReferenceParam(actor));
    appointments.add(Appointment.SP_DATE, range);
    for (IBaseResource found :
        daos.getResourceDao(Appointment.class).searchForResources(appointments, request)) {
      Appointment appointment = (Appointment) found;
      if (!overlaps(appointment.getStart(), appointment.getEnd(), from, to)
          || appointment.getStatus() == Appointment.AppointmentStatus.ENTEREDINERROR) {
        continue;
      }
      entries.add(entry(appointment, names, request));
    }
    // A block's title names its session; most are among the appointments just read.
    Map<String, String> sessionTitles = new HashMap<>();
    entries.forEach(e -> sessionTitles.put(e.resource(), e.title()));

    // The actor's blocks through their Schedules, in one query (a chain) rather than a Schedule
    // search and then a Slot search.
    SearchParameterMap slots = SearchParameterMap.newSynchronous();
    slots.add(Slot.SP_SCHEDULE, new ReferenceParam("Schedule", Schedule.SP_ACTOR, actor));
    slots.add(Slot.SP_START, range);
    for (IBaseResource found : daos.getResourceDao(Slot.class).searchForResources(slots, request)) {
      Slot slot = (Slot) found;
      if (!overlaps(slot.getStart(), slot.getEnd(), from, to)
          || slot.getStatus() == Slot.SlotStatus.ENTEREDINERROR) {
        continue;
      }
      entries.add(entry(slot, sessionTitles, names, request));
    }
    entries.sort(Comparator.comparing(Entry::start).thenComparing(Entry::end));
    return markConflicts(entries);
  }

  private Entry entry(
      Appointment appointment, Map<String, String> names, SystemRequestDetails request) {
    Optional<String> group =
        appointment.getSupportingInformation().stream()
            .map(Reference::getReference)
            .filter(r -> r != null && r.startsWith("Group/"))
            .findFirst();
    String title;
    if (group.isPresent()) {
      Extension number = appointment.getExtensionByUrl(SchedulingCodes.SESSION_NUMBER);
      title =
          name(group.get(), names, request)
              + (number != null && number.getValue() instanceof IntegerType n
                  ? ", session " + n.getValue()
                  : "");
    } else {
      title = "Appointment";
    }
    String place = null;
    for (Appointment.AppointmentParticipantComponent p : appointment.getParticipant()) {
      String actor = p.getActor().getReference();
      if (actor != null && actor.startsWith("Location/")) {
        place = name(new IdType(actor).toUnqualifiedVersionless().getValue(), names, request);
      }
    }
    Extension join = appointment.getExtensionByUrl(SchedulingCodes.SESSION_JOIN_URL);
    String status =
        appointment.getStatus() == Appointment.AppointmentStatus.CANCELLED
            ? "cancelled"
            : NOT_HELD.contains(appointment.getStatus()) ? "free" : "busy";
    return new Entry(
        appointment.getIdElement().toUnqualifiedVersionless().getValue(),
        group.isPresent() ? "session" : "appointment",
        title,
        appointment.getStart().toInstant(),
        appointment.getEnd().toInstant(),
        status,
        place,
        join == null ? null : join.getValue().primitiveValue(),
        new ArrayList<>());
  }

  private Entry entry(
      Slot slot,
      Map<String, String> sessionTitles,
      Map<String, String> names,
      SystemRequestDetails request) {
    Optional<Coding> type =
        slot.getServiceType().stream()
            .flatMap(c -> c.getCoding().stream())
            .filter(c -> SchedulingCodes.BLOCK_TYPE_SYSTEM.equals(c.getSystem()))
            .findFirst();
    String kind = type.map(Coding::getCode).orElse("block");
    String title = type.map(c -> c.hasDisplay() ? c.getDisplay() : c.getCode()).orElse("Busy");
    Extension blockFor = slot.getExtensionByUrl(SchedulingCodes.BLOCK_FOR);
    if (blockFor != null && blockFor.getValue() instanceof Reference session) {
      String sessionId = new IdType(session.getReference()).toUnqualifiedVersionless().getValue();
      String sessionTitle = sessionTitles.get(sessionId);
      if (sessionTitle == null) {
        try {
          Appointment appointment =
              daos.getResourceDao(Appointment.class).read(new IdType(sessionId), request);
          sessionTitle = entry(appointment, names, request).title();
        } catch (RuntimeException e) {
          // the session is gone; the block still shows
        }
      }
      if (sessionTitle != null) {
        title += ": " + sessionTitle;
      }
    }
    String status = slot.getStatus() == Slot.SlotStatus.FREE ? "free" : "busy";
    return new Entry(
        slot.getIdElement().toUnqualifiedVersionless().getValue(),
        kind,
        title,
        slot.getStart().toInstant(),
        slot.getEnd().toInstant(),
        status,
        null,
        null,
        new ArrayList<>());
  }

  private String name(String reference, Map<String, String> names, SystemRequestDetails request) {
    return names.computeIfAbsent(
        reference,
        r -> {
          try {
            IBaseResource resource =
                daos.getResourceDao(r.substring(0, r.indexOf('/'))).read(new IdType(r), request);
            if (resource instanceof Group g && g.hasName()) {
              return g.getName();
            }
            if (resource instanceof Location l && l.hasName()) {
              return l.getName();
            }
          } catch (RuntimeException e) {
            // fall through
          }
          return r;
        });
  }

  /** Busy entries that overlap each other, found in one sweep over the sorted list. */
  static List<Entry> markConflicts(List<Entry> sorted) {
    List<Entry> busy = sorted.stream().filter(Entry::busy).toList();
    for (int i = 0; i < busy.size(); i++) {
      Entry a = busy.get(i);
      for (int j = i + 1; j < busy.size() && busy.get(j).start().isBefore(a.end()); j++) {
        Entry b = busy.get(j);
        if (b.end().isAfter(a.start())) {
          a.conflictsWith().add(b.resource());
          b.conflictsWith().add(a.resource());
        }
      }
    }
    return sorted;
  }

  private static boolean overlaps(Date start, Date end, Instant from, Instant to) {
    return start != null
        && end != null
        && start.toInstant().isBefore(to)
        && end.toInstant().isAfter(from);
  }
}
