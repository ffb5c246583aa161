package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.Date;
import java.util.Optional;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Service;

/**
 * A group's waitlist: a {@code List} with code intake-codes#waitlist whose subject is the group and
 * whose entries are the people waiting, in order. Changed only under the group's lock (the callers
 * hold it).
 */
@Service
class Waitlists {

  private final DaoRegistry daos;
  private final PracticeTime time;

  Waitlists(DaoRegistry daos, PracticeTime time) {
    this.daos = daos;
    this.time = time;
  }

  Optional<ListResource> of(String groupId, SystemRequestDetails read) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(ListResource.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "waitlist"))
            .add(ListResource.SP_SUBJECT, new ReferenceParam(groupId));
    return daos.getResourceDao(ListResource.class).searchForResources(search, read).stream()
        .map(ListResource.class::cast)
        .filter(l -> l.getStatus() == ListResource.ListStatus.CURRENT)
        .findFirst();
  }

  /** How many are waiting for the group. */
  int waiting(String groupId, SystemRequestDetails read) {
    return of(groupId, read)
        .map(l -> (int) l.getEntry().stream().filter(e -> !e.getDeleted()).count())
        .orElse(0);
  }

  /** Puts the person at the end of the group's waitlist (once); returns their position. */
  int add(Group group, String patient) {
    SystemRequestDetails read = new SystemRequestDetails();
    String groupId = References.of(group);
    ListResource list = of(groupId, read).orElseGet(() -> newWaitlist(group));
    int position = 0;
    for (ListResource.ListEntryComponent entry : list.getEntry()) {
      if (entry.getDeleted()) {
        continue;
      }
      position++;
      if (patient.equals(References.of(entry.getItem()))) {
        return position;
      }
    }
    list.addEntry().setItem(new Reference(patient)).setDate(Date.from(time.now()));
    if (list.hasId()) {
      daos.getResourceDao(ListResource.class).update(list, new SystemRequestDetails());
    } else {
      daos.getResourceDao(ListResource.class).create(list, new SystemRequestDetails());
    }
    return position + 1;
  }

  private static ListResource newWaitlist(Group group) {
    ListResource list = new ListResource();
    list.setStatus(ListResource.ListStatus.CURRENT);
    list.setMode(ListResource.ListMode.WORKING);
    list.setTitle("Waitlist: " + group.getName());
    list.getCode().addCoding().setSystem(IntakeCodes.CODES_SYSTEM).setCode("waitlist");
    list.setSubject(new Reference(References.of(group)));
    list.setOrderedBy(
        new CodeableConcept()
            .addCoding(
                new Coding(
                    "http://terminology.hl7.org/CodeSystem/list-order",
                    "entry-date",
                    "Sorted by Item Date")));
    return list;
  }

  void remove(String groupId, String patient, SystemRequestDetails read) {
    of(groupId, read)
        .ifPresent(
            list -> {
              if (list.getEntry().removeIf(e -> patient.equals(References.of(e.getItem())))) {
                daos.getResourceDao(ListResource.class).update(list, new SystemRequestDetails());
              }
            });
  }
}
