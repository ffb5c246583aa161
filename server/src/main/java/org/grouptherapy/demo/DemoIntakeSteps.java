package org.grouptherapy.demo;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.intake.IntakeStages;
import org.grouptherapy.placement.EnrolmentService;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;

/**
 * The demo's intakes past consents, through the server's own paths: two people enrolled with
 * $member-add's service (placement decided, orientation sent), one of them then marked as having
 * attended a first session, and one referral declined. Safe to run again: a member is not added
 * twice and a closed or finished intake is left alone.
 */
@Component
class DemoIntakeSteps {

  private static final String IDS = "http://grouptherapy.example.org/identifiers";

  private final DaoRegistry daos;
  private final EnrolmentService enrolment;

  DemoIntakeSteps(DaoRegistry daos, EnrolmentService enrolment) {
    this.daos = daos;
    this.enrolment = enrolment;
  }

  void run() {
    Optional<String> group = find(Group.class, IDS + "/group", "group-process-tuesday");
    for (String key : List.of("hana", "ivo")) {
      Optional<String> person = find(Patient.class, IDS + "/patient", "patient-intake-" + key);
      if (group.isPresent() && person.isPresent() && !member(group.get(), person.get())) {
        enrolment.add(group.get(), new EnrolmentService.Request(person.get(), null, null, false));
      }
    }
    find(Patient.class, IDS + "/patient", "patient-intake-ivo")
        .ifPresent(p -> moveTo(p, "first-session-attended"));
    find(Patient.class, IDS + "/patient", "patient-intake-jade")
        .ifPresent(p -> moveTo(p, "closed-declined"));
  }

  /** A client's move of the person's open intake, as the VA app would send it. */
  private void moveTo(String patient, String stage) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Task.SP_SUBJECT, new ReferenceParam(patient))
            .add(Task.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "intake"));
    for (var found : daos.getResourceDao(Task.class).searchForResources(search, read())) {
      Task task = (Task) found;
      String current = IntakeStages.stageOf(task).orElse("");
      if (current.equals(stage) || current.startsWith("closed-")) {
        continue;
      }
      if ("first-session-attended".equals(current)) {
        continue;
      }
      task.getBusinessStatus().getCoding().clear();
      task.getBusinessStatus().addCoding(new Coding(IntakeCodes.STAGE_SYSTEM, stage, null));
      task.setIdElement(task.getIdElement().toUnqualifiedVersionless());
      daos.getResourceDao(Task.class).update(task, read());
    }
  }

  private boolean member(String group, String patient) {
    Group g =
        daos.getResourceDao(Group.class).read(new org.hl7.fhir.r4.model.IdType(group), read());
    return g.getMember().stream()
        .anyMatch(m -> patient.equals(m.getEntity().getReference()) && !m.getPeriod().hasEnd());
  }

  private <T extends org.hl7.fhir.instance.model.api.IBaseResource> Optional<String> find(
      Class<T> type, String system, String value) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous().add("identifier", new TokenParam(system, value));
    return daos.getResourceDao(type).searchForResources(search, read()).stream()
        .findFirst()
        .map(r -> r.getIdElement().toUnqualifiedVersionless().getValue());
  }

  private static SystemRequestDetails read() {
    return new SystemRequestDetails();
  }
}
