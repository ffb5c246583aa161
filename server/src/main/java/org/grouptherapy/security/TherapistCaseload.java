package org.grouptherapy.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;

/**
 * The patients whose clinical data a therapist may see: those in sessions they take part in (group
 * sessions, screenings) and the members of the groups of those sessions. Kept for a minute per
 * practitioner, so a request does not search appointments each time.
 */
@Component
class TherapistCaseload {

  private static final Duration KEEP = Duration.ofMinutes(1);

  private final DaoRegistry daoRegistry;
  private final Clock clock;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();

  TherapistCaseload(DaoRegistry daoRegistry, Clock clock) {
    this.daoRegistry = daoRegistry;
    this.clock = clock;
  }

  Set<IIdType> patientsOf(String practitioner) {
    Instant now = clock.instant();
    Entry entry = cache.get(practitioner);
    if (entry == null || entry.loadedAt().plus(KEEP).isBefore(now)) {
      entry = new Entry(now, load(practitioner));
      cache.put(practitioner, entry);
    }
    return entry.patients();
  }

  private Set<IIdType> load(String practitioner) {
    Set<IIdType> patients = new HashSet<>();
    Set<String> groups = new HashSet<>();
    SearchParameterMap sessions =
        SearchParameterMap.newSynchronous().add("actor", new ReferenceParam(practitioner));
    List<IBaseResource> found =
        daoRegistry
            .getResourceDao("Appointment")
            .searchForResources(sessions, new SystemRequestDetails());
    for (IBaseResource resource : found) {
      Appointment session = (Appointment) resource;
      session.getParticipant().stream()
          .map(p -> p.getActor().getReferenceElement())
          .filter(ref -> "Patient".equals(ref.getResourceType()))
          .forEach(ref -> patients.add(new IdType("Patient", ref.getIdPart())));
      session.getSupportingInformation().stream()
          .map(Reference::getReferenceElement)
          .filter(ref -> "Group".equals(ref.getResourceType()))
          .forEach(ref -> groups.add(ref.getIdPart()));
    }
    for (String groupId : groups) {
      Group group =
          (Group)
              daoRegistry
                  .getResourceDao("Group")
                  .read(new IdType("Group", groupId), new SystemRequestDetails());
      group.getMember().stream()
          .map(m -> m.getEntity().getReferenceElement())
          .filter(ref -> "Patient".equals(ref.getResourceType()))
          .forEach(ref -> patients.add(new IdType("Patient", ref.getIdPart())));
    }
    return Set.copyOf(patients);
  }

  private record Entry(Instant loadedAt, Set<IIdType> patients) {}
}
