package org.grouptherapy.demo;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.Optional;
import org.grouptherapy.kernel.References;
import org.grouptherapy.scheduling.SubstituteService;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Practitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The demo's substitute case, through $assign-substitute's own service: Emi Nakamura is at a
 * training day next Friday, and Samir Haddad covers her virtual CBT group (the members, both
 * facilitators and the group's referrers are told; the session's blocks move). Safe to run again.
 */
@Component
class DemoCover {

  private static final String IDS = "http://grouptherapy.example.org/identifiers";
  private static final Logger log = LoggerFactory.getLogger(DemoCover.class);

  private final DaoRegistry daos;
  private final SubstituteService substitutes;

  DemoCover(DaoRegistry daos, SubstituteService substitutes) {
    this.daos = daos;
    this.substitutes = substitutes;
  }

  void run() {
    Optional<String> session =
        find(Appointment.class, IDS + "/appointment", "session-cbt-depression-12");
    Optional<String> absent =
        find(Practitioner.class, IDS + "/practitioner", "practitioner-nakamura");
    Optional<String> cover = find(Practitioner.class, IDS + "/practitioner", "practitioner-haddad");
    if (session.isEmpty() || absent.isEmpty() || cover.isEmpty()) {
      return;
    }
    Appointment current =
        daos.getResourceDao(Appointment.class)
            .read(new org.hl7.fhir.r4.model.IdType(session.get()), new SystemRequestDetails());
    boolean covered =
        current.getParticipant().stream()
            .anyMatch(p -> cover.get().equals(References.of(p.getActor())));
    if (covered || current.getStatus() != Appointment.AppointmentStatus.BOOKED) {
      return;
    }
    try {
      substitutes.assign(
          session.get(),
          new SubstituteService.CoverRequest(
              cover.get(), absent.get(), "Emi Nakamura is at a training day", null));
    } catch (RuntimeException e) {
      // The demo stands without it (e.g. loaded on a day that leaves that session in the past).
      log.warn("Demo substitute case not set up: {}", e.getMessage());
    }
  }

  private <T extends IBaseResource> Optional<String> find(
      Class<T> type, String system, String value) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous().add("identifier", new TokenParam(system, value));
    return daos.getResourceDao(type).searchForResources(search, new SystemRequestDetails()).stream()
        .findFirst()
        .map(References::of);
  }
}
