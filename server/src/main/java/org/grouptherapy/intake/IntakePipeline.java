package org.grouptherapy.intake;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.kernel.access.Callers;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Component;

/**
 * The intake pipeline: one Task (code {@code intake-codes#intake}) per group therapy referral,
 * whose {@code businessStatus} is its stage. A referral (ServiceRequest for group psychotherapy)
 * opens its Task in the same transaction. Stages move in order; each move is stamped with who and
 * when (a Task note) on every write, and a client's jump over a stage, or a move whose evidence is
 * missing (consents not signed, no screening), is refused with 422 naming what is missing. Events
 * move intakes on by themselves: a screening appointment booked for the referral, a scored
 * screening, the consents signed; enrolment ({@code $member-add}) decides placement.
 */
@Component
public class IntakePipeline implements FhirStorageInterceptor {

  public static final List<String> STAGES = IntakeStages.STAGES;

  /** userData flag of the server's own stage moves, which may pass stages (noted as skipped). */
  static final String SYSTEM_MOVE = IntakePipeline.class.getName() + ".systemMove";

  private final DaoRegistry daos;
  private final Consents consents;
  private final Callers callers;
  private final Clock clock;

  IntakePipeline(DaoRegistry daos, Consents consents, Callers callers, Clock clock) {
    this.daos = daos;
    this.consents = consents;
    this.callers = callers;
    this.clock = clock;
  }

  // --- the stage machine, on every write ----------------------------------------------------

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void taskCreated(IBaseResource resource, RequestDetails request) {
    if (resource instanceof Task task && isIntake(task)) {
      String stage = IntakeStages.stageOf(task).orElse(null);
      if (stage == null) {
        IntakeStages.setStage(task, STAGES.get(0));
      } else if (!STAGES.get(0).equals(stage)) {
        throw IntakeStages.unprocessable(
            "A new intake starts at referral-received, not " + stage, "Task.businessStatus");
      }
      // The referral was received when it was written (a referral synced from an EHR days
      // later has been waiting since then), never in the future.
      Date now = Date.from(clock.instant());
      Date received =
          task.hasAuthoredOn() && task.getAuthoredOn().before(now) ? task.getAuthoredOn() : now;
      stamp(task, STAGES.get(0), List.of(), request, received);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void taskUpdated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof Task task) || !isIntake(task)) {
      return;
    }
    String from = IntakeStages.stageOf((Task) previous).orElse(STAGES.get(0));
    String to = IntakeStages.stageOf(task).orElse(null);
    if (to == null) {
      throw IntakeStages.unprocessable(
          "An intake Task needs a businessStatus from " + IntakeCodes.STAGE_SYSTEM,
          "Task.businessStatus");
    }
    if (to.equals(from)) {
      return;
    }
    boolean system = Boolean.TRUE.equals(request.getUserData().get(SYSTEM_MOVE));
    List<String> skipped = IntakeStages.move(from, to, system);
    if (!system && !to.startsWith("closed-") && !IntakeStages.reached(from, to)) {
      Optional<String> missing = missingEvidence(task, to, null);
      if (missing.isPresent()) {
        throw IntakeStages.unprocessable(
            "The intake cannot move to " + to + ": " + missing.get(), "Task.businessStatus");
      }
    }
    stamp(task, to, skipped, request, Date.from(clock.instant()));
  }

  /** Opens the intake of a new group therapy referral. */
  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void created(IBaseResource resource) {
    if (resource instanceof ServiceRequest referral && isGroupReferral(referral)) {
      open(referral);
    } else if (resource instanceof Appointment appointment) {
      screeningBooked(appointment);
    } else if (resource instanceof Consent consent) {
      consentChanged(consent);
    }
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void updated(IBaseResource previous, IBaseResource resource) {
    if (resource instanceof Appointment appointment) {
      screeningBooked(appointment);
    } else if (resource instanceof Consent consent) {
      consentChanged(consent);
    }
  }

  private void open(ServiceRequest referral) {
    if (!referral.hasSubject()
        || referral.getStatus() == ServiceRequest.ServiceRequestStatus.REVOKED
        || referral.getStatus() == ServiceRequest.ServiceRequestStatus.COMPLETED) {
      return;
    }
    String referralId = referral.getIdElement().toUnqualifiedVersionless().getValue();
    Task task = new Task();
    task.setStatus(Task.TaskStatus.REQUESTED);
    task.setIntent(Task.TaskIntent.ORDER);
    task.getCode()
        .addCoding()
        .setSystem(IntakeCodes.CODES_SYSTEM)
        .setCode("intake")
        .setDisplay("Group therapy intake");
    task.setFocus(new Reference(referralId));
    task.setFor(new Reference(referral.getSubject().getReference()));
    if (referral.hasRequester()) {
      task.setRequester(new Reference(referral.getRequester().getReference()));
    }
    referral.getPerformer().stream()
        .filter(p -> p.hasReference() && p.getReference().startsWith("Practitioner"))
        .findFirst()
        .ifPresent(p -> task.setOwner(new Reference(p.getReference())));
    task.setAuthoredOn(
        referral.hasAuthoredOn() ? referral.getAuthoredOn() : Date.from(clock.instant()));
    IntakeStages.setStage(task, STAGES.get(0));
    daos.getResourceDao(Task.class)
        .create(
            task,
            "Task?focus=" + referralId + "&code=" + IntakeCodes.CODES_SYSTEM + "|intake",
            new SystemRequestDetails());
  }

  /** A (non-group) appointment for a referral with the person in it schedules the screening. */
  private void screeningBooked(Appointment appointment) {
    if (appointment.getStatus() != Appointment.AppointmentStatus.BOOKED
        || appointment.getBasedOn().stream()
            .noneMatch(
                b -> b.getReference() != null && b.getReference().contains("ServiceRequest/"))) {
      return;
    }
    appointment.getParticipant().stream()
        .map(p -> p.getActor().getReference())
        .filter(a -> a != null && a.startsWith("Patient/"))
        .forEach(patient -> catchUp(patient, Set.of("screening-scheduled"), null));
  }

  private void consentChanged(Consent consent) {
    if (consent.hasPatient() && Consents.kindOf(consent) != null) {
      catchUp(consent.getPatient().getReference(), Set.of(), consent);
    }
  }

  /** A scored screening of the person: their intakes move to screening-done (and on). */
  void screened(String patient) {
    catchUp(patient, Set.of("screening-scheduled", "screening-done"), null);
  }

  /**
   * Moves the person's open intakes forward through the stages the server can tell are done
   * (screening scheduled, screening done, consents signed), stopping at the first that is not.
   */
  private void catchUp(String patient, Set<String> happened, Consent inFlight) {
    for (Task task : openIntakes(patient)) {
      String stage = IntakeStages.stageOf(task).orElse(STAGES.get(0));
      String reached = stage;
      for (int i = STAGES.indexOf(stage) + 1;
          i >= 1 && i <= STAGES.indexOf("consents-signed");
          i++) {
        String next = STAGES.get(i);
        boolean done = happened.contains(next) || missingEvidence(task, next, inFlight).isEmpty();
        if (!done) {
          break;
        }
        reached = next;
      }
      if (!reached.equals(stage)) {
        move(task, reached);
      }
    }
  }

  /**
   * Moves the person's open intakes to a stage (passing earlier ones, which are noted as skipped).
   * Intakes already there or further are left alone.
   */
  public List<Task> advance(String patient, String stage, String why) {
    List<Task> moved = new ArrayList<>();
    for (Task task : openIntakes(patient)) {
      String current = IntakeStages.stageOf(task).orElse(STAGES.get(0));
      if (STAGES.indexOf(current) < STAGES.indexOf(stage)) {
        task.addNote().setText(why).setTime(Date.from(clock.instant()));
        moved.add(move(task, stage));
      }
    }
    return moved;
  }

  private Task move(Task task, String stage) {
    IntakeStages.setStage(task, stage);
    task.setIdElement(task.getIdElement().toUnqualifiedVersionless());
    SystemRequestDetails write = new SystemRequestDetails();
    write.getUserData().put(SYSTEM_MOVE, Boolean.TRUE);
    daos.getResourceDao(Task.class).update(task, write);
    return task;
  }

  public List<Task> openIntakes(String patient) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Task.SP_SUBJECT, new ReferenceParam(patient))
            .add(Task.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "intake"));
    List<Task> open = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Task.class).searchForResources(search, new SystemRequestDetails())) {
      // The current version: an earlier hook of this transaction may have moved it already.
      Task task =
          daos.getResourceDao(Task.class)
              .read(found.getIdElement().toUnqualifiedVersionless(), new SystemRequestDetails());
      if (task.getStatus() != null
          && IntakeBoard.OPEN_STATUSES.contains(task.getStatus().toCode())) {
        open.add(task);
      }
    }
    return open;
  }

  /** What is missing before an intake may enter a stage; empty when nothing is. */
  private Optional<String> missingEvidence(Task task, String stage, Consent inFlight) {
    String patient = task.getFor().getReference();
    if (patient == null) {
      return Optional.of("the Task names no patient (Task.for)");
    }
    switch (stage) {
      case "screening-scheduled" -> {
        SearchParameterMap search =
            SearchParameterMap.newSynchronous()
                .add(Appointment.SP_ACTOR, new ReferenceParam(patient))
                .add(Appointment.SP_STATUS, new TokenParam("booked"));
        String referral = task.getFocus().getReference();
        boolean booked =
            daos
                .getResourceDao(Appointment.class)
                .searchForResources(search, new SystemRequestDetails())
                .stream()
                .map(Appointment.class::cast)
                .anyMatch(
                    a ->
                        a.getBasedOn().stream()
                            .anyMatch(b -> referral != null && referral.equals(b.getReference())));
        return booked || hasScreening(patient)
            ? Optional.empty()
            : Optional.of("no screening appointment is booked for " + referral);
      }
      case "screening-done" -> {
        return hasScreening(patient)
            ? Optional.empty()
            : Optional.of(
                "no completed screening (PHQ-9, GAD-7 or group readiness) for " + patient);
      }
      case "consents-signed" -> {
        var missing = consents.missing(patient, false, inFlight);
        return missing.isEmpty()
            ? Optional.empty()
            : Optional.of("consents not signed: " + Consents.describe(missing));
      }
      case "placement-decided" -> {
        SearchParameterMap search =
            SearchParameterMap.newSynchronous().add(Group.SP_MEMBER, new ReferenceParam(patient));
        boolean member =
            !daos.getResourceDao(Group.class)
                .searchForResources(search, new SystemRequestDetails())
                .isEmpty();
        return member
            ? Optional.empty()
            : Optional.of(patient + " is not a member of any group: use Group/[id]/$member-add");
      }
      default -> {
        return Optional.empty();
      }
    }
  }

  private boolean hasScreening(String patient) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(QuestionnaireResponse.SP_SUBJECT, new ReferenceParam(patient))
            .add(
                QuestionnaireResponse.SP_STATUS,
                new TokenOrListParam().add("completed").add("amended"));
    return daos
        .getResourceDao(QuestionnaireResponse.class)
        .searchForResources(search, new SystemRequestDetails())
        .stream()
        .map(QuestionnaireResponse.class::cast)
        .anyMatch(
            r ->
                Set.of(IntakeCodes.PHQ9, IntakeCodes.GAD7, IntakeCodes.READINESS)
                    .contains(r.getQuestionnaire().split("\\|")[0]));
  }

  // --- helpers
  // ------------------------------------------------------------------------------------

  static boolean isIntake(Task task) {
    return task.getCode().getCoding().stream()
        .anyMatch(
            c -> IntakeCodes.CODES_SYSTEM.equals(c.getSystem()) && "intake".equals(c.getCode()));
  }

  static boolean isGroupReferral(ServiceRequest referral) {
    return referral.getCode().getCoding().stream()
        .anyMatch(
            c ->
                (IntakeCodes.SNOMED.equals(c.getSystem())
                        && IntakeCodes.GROUP_PSYCHOTHERAPY_SNOMED.equals(c.getCode()))
                    || (IntakeCodes.CPT.equals(c.getSystem()) && "90853".equals(c.getCode())));
  }

  /** Records the stage move: status, lastModified, and a note of who and when it began. */
  private void stamp(
      Task task, String stage, List<String> skipped, RequestDetails request, Date now) {
    task.setStatus(IntakeStages.status(stage));
    task.setLastModified(now);
    Annotation note = task.addNote().setTime(now);
    note.setText(
        "Stage: "
            + stage
            + (skipped.isEmpty() ? "" : " (passed " + String.join(", ", skipped) + ")"));
    String who =
        request instanceof SystemRequestDetails ? null : callers.actor(request).orElse(null);
    if (who != null && who.contains("/")) {
      note.setAuthor(new Reference(who));
    } else {
      note.setAuthor(new StringType(who == null ? "Group Therapy FHIR Server" : "client " + who));
    }
  }
}
