package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A group's waitlist: a {@code List} with code intake-codes#waitlist whose subject is the group and
 * whose entries are the people waiting, in order. Changed only under the group's lock. A person
 * leaves a waitlist by their entry being marked {@code deleted} with a flag saying why (placed in
 * which group, when), so the list keeps its history; placed anywhere, a person leaves every
 * waitlist.
 */
@Service
class Waitlists {

  private static final Logger log = LoggerFactory.getLogger(Waitlists.class);

  private final DaoRegistry daos;
  private final PracticeTime time;
  private final TransactionLocks locks;
  private final TransactionTemplate separately;

  Waitlists(
      DaoRegistry daos,
      PracticeTime time,
      TransactionLocks locks,
      PlatformTransactionManager transactionManager) {
    this.daos = daos;
    this.time = time;
    this.locks = locks;
    this.separately = new TransactionTemplate(transactionManager);
    this.separately.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
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

  /**
   * The person was placed in the group: off its waitlist now (the caller holds the group's lock),
   * and off every other group's waitlist once this transaction commits, each under that group's
   * lock in a transaction of its own (taking a second group's lock here could deadlock with an
   * enrolment into that group doing the same the other way round).
   */
  void placed(Group group, String patient, SystemRequestDetails read) {
    String groupId = References.of(group);
    String why = "Placed in " + group.getName() + " on " + time.today();
    of(groupId, read).ifPresent(list -> withdraw(list, patient, why));
    Runnable everywhere = () -> withdrawElsewhere(groupId, patient, why);
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              everywhere.run();
            }
          });
    } else {
      everywhere.run();
    }
  }

  private void withdrawElsewhere(String placedIn, String patient, String why) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(ListResource.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "waitlist"))
            .add(ListResource.SP_ITEM, new ReferenceParam(patient));
    List<String> others =
        separately
            .execute(
                tx ->
                    daos
                        .getResourceDao(ListResource.class)
                        .searchForResources(search, new SystemRequestDetails())
                        .stream()
                        .map(ListResource.class::cast)
                        .filter(l -> l.getStatus() == ListResource.ListStatus.CURRENT)
                        .map(l -> References.of(l.getSubject()))
                        .filter(g -> !placedIn.equals(g))
                        .toList())
            .stream()
            .distinct()
            .toList();
    for (String other : others) {
      try {
        separately.executeWithoutResult(
            tx -> {
              locks.lock("group:" + other);
              of(other, new SystemRequestDetails()).ifPresent(l -> withdraw(l, patient, why));
            });
      } catch (RuntimeException e) {
        // Placement already stands; $place-waitlist skips people placed after they were listed.
        log.warn("Could not take a placed person off the waitlist of {}: {}", other, e.toString());
      }
    }
  }

  /** Marks the person's open entries deleted, flagged with why; writes the list if it changed. */
  private void withdraw(ListResource list, String patient, String why) {
    boolean changed = false;
    for (ListResource.ListEntryComponent entry : list.getEntry()) {
      if (!entry.getDeleted() && patient.equals(References.of(entry.getItem()))) {
        entry.setDeleted(true);
        entry.setFlag(
            new CodeableConcept(new Coding(IntakeCodes.CODES_SYSTEM, "waitlist-left", null))
                .setText(why));
        changed = true;
      }
    }
    if (changed) {
      daos.getResourceDao(ListResource.class).update(list, new SystemRequestDetails());
    }
  }
}
