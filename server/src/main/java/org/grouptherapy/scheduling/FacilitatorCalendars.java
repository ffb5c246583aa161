package org.grouptherapy.scheduling;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.Searches;
import org.grouptherapy.kernel.TherapyGroup.Facilitator;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.springframework.stereotype.Component;

/** Practitioners' calendars (Schedules) and the blocks sessions put on them. */
@Component
class FacilitatorCalendars {

  static final String CALENDAR_SYSTEM = "http://grouptherapy.example.org/identifiers/calendar";

  private final DaoRegistry daos;

  FacilitatorCalendars(DaoRegistry daos) {
    this.daos = daos;
  }

  /** Each facilitator's Schedule, created when they have none yet. */
  Map<String, String> schedules(List<Facilitator> facilitators, RequestDetails write) {
    Map<String, String> schedules = new LinkedHashMap<>();
    for (Facilitator facilitator : facilitators) {
      schedules.put(facilitator.practitioner(), scheduleOf(facilitator.practitioner(), write));
    }
    return schedules;
  }

  /** The actor's own calendar: an active Schedule of theirs alone, created when there is none. */
  String scheduleOf(String actor, RequestDetails write) {
    SearchParameterMap search = SearchParameterMap.newSynchronous();
    search.add(Schedule.SP_ACTOR, new ReferenceParam(actor));
    Optional<String> own =
        daos.getResourceDao(Schedule.class).searchForResources(search, write).stream()
            .map(Schedule.class::cast)
            .filter(s -> s.getActor().size() == 1 && (!s.hasActive() || s.getActive()))
            .map(References::of)
            .min(Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder()));
    if (own.isPresent()) {
      return own.get();
    }
    Schedule schedule = new Schedule();
    schedule.addIdentifier().setSystem(CALENDAR_SYSTEM).setValue(actor);
    schedule.setActive(true);
    schedule.addActor(new Reference(actor));
    schedule.setComment("Calendar of " + actor);
    return daos.getResourceDao(Schedule.class)
        .create(schedule, "Schedule?identifier=" + CALENDAR_SYSTEM + "|" + actor, write)
        .getId()
        .toUnqualifiedVersionless()
        .getValue();
  }

  /** The blocks (prep, documentation) held for these sessions. */
  List<Slot> blocksFor(List<Appointment> sessions, RequestDetails request) {
    if (sessions.isEmpty()) {
      return List.of();
    }
    return Searches.referencing(
        daos, Slot.class, "block-for", sessions.stream().map(References::of).toList(), request);
  }
}
