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
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
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

  public static final List<String> STAGES =
      List.of(
          "referral-received",
          "screening-scheduled",
          "screening-done",
          "consents-signed",
          "placement-decided",
          "orientation-sent",
          "first-session-attended");

  private static final Set<String> OPEN_STATUSES =
      Set.of("draft", "requested", "received", "accepted", "ready", "in-progress", "on-hold");

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
      String stage = stageOf(task).orElse(null);
      if (stage == null) {
        setStage(task, STAGES.get(0));
      } else if (!STAGES.get(0).equals(stage)) {
        throw unprocessable(
            "A new intake starts at referral-received, not " + stage, "Task.businessStatus");
      }
      stamp(task, STAGES.get(0), List.of(), request);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void taskUpdated(IBaseResource previous, IBaseResource resource, RequestDetails request) {
    if (!(resource instanceof Task task) || !isIntake(task)) {
      return;
    }
    String from = stageOf((Task) previous).orElse(STAGES.get(0));
    String to = stageOf(task).orElse(null);
    if (to == null) {
      throw unprocessable(
          "An intake Task needs a businessStatus from " + IntakeCodes.STAGE_SYSTEM,
          "Task.businessStatus");
    }
    if (to.equals(from)) {
      return;
    }
    if (!isStage(to)) {
      throw unprocessable(
          "Unknown intake stage " + to + "; stages are " + STAGES + " and closed-*",
          "Task.businessStatus");
    }
    if (isTerminal(from)) {
      throw unprocessable(
          "This intake is finished (" + from + "); open a new referral instead",
          "Task.businessStatus");
    }
    List<String> skipped = new ArrayList<>();
    if (!to.startsWith("closed-") && STAGES.indexOf(to) > STAGES.indexOf(from)) {
      skipped.addAll(STAGES.subList(STAGES.indexOf(from) + 1, STAGES.indexOf(to)));
      boolean system = Boolean.TRUE.equals(request.getUserData().get(SYSTEM_MOVE));
      if (!skipped.isEmpty() && !system) {
        throw unprocessable(
            "The intake cannot move from "
                + from
                + " to "
                + to
                + ": "
                + String.join(", ", skipped)
                + (skipped.size() == 1 ? " comes" : " come")
                + " first",
            "Task.businessStatus");
      }
      if (!system) {
        Optional<String> missing = missingEvidence(task, to, null);
        if (missing.isPresent()) {
          throw unprocessable(
              "The intake cannot move to " + to + ": " + missing.get(), "Task.businessStatus");
        }
      }
    }
    stamp(task, to, skipped, request);
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
    task.setAuthoredOn(Date.from(clock.instant()));
    setStage(task, STAGES.get(0));
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
      String stage = stageOf(task).orElse(STAGES.get(0));
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
      String current = stageOf(task).orElse(STAGES.get(0));
      if (STAGES.indexOf(current) < STAGES.indexOf(stage)) {
        task.addNote().setText(why).setTime(Date.from(clock.instant()));
        moved.add(move(task, stage));
      }
    }
    return moved;
  }

  private Task move(Task task, String stage) {
    setStage(task, stage);
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
      if (task.getStatus() != null && OPEN_STATUSES.contains(task.getStatus().toCode())) {
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

  // --- the board --------------------------------------------------------------------------------

  private static final String NO_ACTION = "-";

  /** Every open intake with its stage, time in stage, next action and owner; stale ones marked. */
  public Parameters board(int staleAfterDays, String owner) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(Task.SP_CODE, new TokenParam(IntakeCodes.CODES_SYSTEM, "intake"));
    if (owner != null) {
      search.add(Task.SP_OWNER, new ReferenceParam(owner));
    }
    record Row(Task task, String stage, Instant since) {}
    List<Row> rows = new ArrayList<>();
    for (IBaseResource found :
        daos.getResourceDao(Task.class).searchForResources(search, new SystemRequestDetails())) {
      Task task = (Task) found;
      if (task.getStatus() == null || !OPEN_STATUSES.contains(task.getStatus().toCode())) {
        continue;
      }
      String stage = stageOf(task).orElse(STAGES.get(0));
      rows.add(new Row(task, stage, since(task)));
    }
    rows.sort(
        java.util.Comparator.comparing(Row::since)
            .thenComparing(r -> r.task().getIdElement().getIdPart()));
    Instant now = clock.instant();
    Parameters out = new Parameters();
    int stale = 0;
    for (Row row : rows) {
      long days = Duration.between(row.since(), now).toDays();
      boolean isStale = days >= staleAfterDays;
      stale += isStale ? 1 : 0;
      Parameters.ParametersParameterComponent intake = out.addParameter().setName("intake");
      intake
          .addPart()
          .setName("task")
          .setValue(new Reference(row.task().getIdElement().toUnqualifiedVersionless().getValue()));
      intake
          .addPart()
          .setName("patient")
          .setValue(new Reference(row.task().getFor().getReference()));
      if (row.task().hasFocus()) {
        intake
            .addPart()
            .setName("referral")
            .setValue(new Reference(row.task().getFocus().getReference()));
      }
      intake
          .addPart()
          .setName("stage")
          .setValue(new Coding(IntakeCodes.STAGE_SYSTEM, row.stage(), display(row.stage())));
      intake.addPart().setName("since").setValue(new DateTimeType(Date.from(row.since())));
      intake.addPart().setName("daysInStage").setValue(new IntegerType((int) days));
      intake.addPart().setName("nextAction").setValue(new StringType(nextAction(row.stage())));
      if (row.task().hasOwner()) {
        intake
            .addPart()
            .setName("owner")
            .setValue(new Reference(row.task().getOwner().getReference()));
      }
      intake.addPart().setName("stale").setValue(new BooleanType(isStale));
    }
    out.addParameter().setName("total").setValue(new IntegerType(rows.size()));
    out.addParameter().setName("stale").setValue(new IntegerType(stale));
    return out;
  }

  /** When the current stage began: the latest stage note, else the Task's last update. */
  static Instant since(Task task) {
    for (int i = task.getNote().size() - 1; i >= 0; i--) {
      Annotation note = task.getNote().get(i);
      if (note.hasTime() && note.getText() != null && note.getText().startsWith("Stage: ")) {
        return note.getTime().toInstant();
      }
    }
    return task.getMeta().hasLastUpdated()
        ? task.getMeta().getLastUpdated().toInstant()
        : Instant.EPOCH;
  }

  static String nextAction(String stage) {
    return switch (stage) {
      case "referral-received" -> "Book a screening appointment with a group therapist";
      case "screening-scheduled" -> "Screen: PHQ-9, GAD-7 and group readiness questionnaires";
      case "screening-done" ->
          "Send the group treatment consent and confidentiality agreement (telehealth for virtual groups)";
      case "consents-signed" -> "Decide placement with the therapist ($place, then $member-add)";
      case "placement-decided" -> "Send orientation materials and first-session logistics";
      case "orientation-sent" -> "First session: record attendance";
      default -> NO_ACTION;
    };
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

  public static Optional<String> stageOf(Task task) {
    return task.getBusinessStatus().getCoding().stream()
        .filter(c -> IntakeCodes.STAGE_SYSTEM.equals(c.getSystem()))
        .map(Coding::getCode)
        .findFirst();
  }

  private static boolean isStage(String code) {
    return STAGES.contains(code)
        || Set.of("closed-declined", "closed-not-suitable", "closed-no-response").contains(code);
  }

  private static boolean isTerminal(String stage) {
    return stage.startsWith("closed-") || "first-session-attended".equals(stage);
  }

  private static void setStage(Task task, String stage) {
    task.getBusinessStatus().getCoding().clear();
    task.getBusinessStatus()
        .addCoding()
        .setSystem(IntakeCodes.STAGE_SYSTEM)
        .setCode(stage)
        .setDisplay(display(stage));
    task.getBusinessStatus().setText(display(stage));
  }

  static String display(String stage) {
    String words = stage.replace('-', ' ');
    return Character.toUpperCase(words.charAt(0)) + words.substring(1);
  }

  /** Records the stage move: status, lastModified, and a note of who and when. */
  private void stamp(Task task, String stage, List<String> skipped, RequestDetails request) {
    Date now = Date.from(clock.instant());
    task.setStatus(
        stage.startsWith("closed-")
            ? Task.TaskStatus.CANCELLED
            : "first-session-attended".equals(stage)
                ? Task.TaskStatus.COMPLETED
                : STAGES.get(0).equals(stage)
                    ? Task.TaskStatus.REQUESTED
                    : Task.TaskStatus.INPROGRESS);
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

  private static UnprocessableEntityException unprocessable(String text, String expression) {
    OperationOutcome outcome = new OperationOutcome();
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.BUSINESSRULE)
        .setDiagnostics(text)
        .addExpression(expression);
    return new UnprocessableEntityException(text, outcome);
  }
}
