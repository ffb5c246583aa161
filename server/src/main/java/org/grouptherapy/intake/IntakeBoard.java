package org.grouptherapy.intake;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.springframework.stereotype.Service;

/** {@code Task/$intake-board}: every open intake, its stage, time in stage and next action. */
@Service
class IntakeBoard {

  /** Task statuses of an intake that is still open. */
  static final Set<String> OPEN_STATUSES =
      Set.of("draft", "requested", "received", "accepted", "ready", "in-progress", "on-hold");

  private final DaoRegistry daos;
  private final PracticeTime time;

  IntakeBoard(DaoRegistry daos, PracticeTime time) {
    this.daos = daos;
    this.time = time;
  }

  /** Every open intake with its stage, time in stage, next action and owner; stale ones marked. */
  Parameters board(int staleAfterDays, String owner) {
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
      String stage = IntakeStages.stageOf(task).orElse(IntakeStages.first());
      rows.add(new Row(task, stage, since(task)));
    }
    rows.sort(
        java.util.Comparator.comparing(Row::since)
            .thenComparing(r -> References.of(r.task()), References.BY_ID));
    Instant now = time.now();
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
          .setValue(
              new Coding(IntakeCodes.STAGE_SYSTEM, row.stage(), IntakeStages.display(row.stage())));
      intake.addPart().setName("since").setValue(new DateTimeType(Date.from(row.since())));
      intake.addPart().setName("daysInStage").setValue(new IntegerType((int) days));
      intake
          .addPart()
          .setName("nextAction")
          .setValue(new StringType(IntakeStages.nextAction(row.stage())));
      if (row.task().hasOwner()) {
        intake
            .addPart()
            .setName("owner")
            .setValue(new Reference(row.task().getOwner().getReference()));
      }
      intake.addPart().setName("stale").setValue(new BooleanType(isStale));
      screening(intake, row.task().getFor().getReference());
    }
    out.addParameter().setName("total").setValue(new IntegerType(rows.size()));
    out.addParameter().setName("stale").setValue(new IntegerType(stale));
    return out;
  }

  /**
   * The person's screening as staff who do not read clinical content may see it: each instrument's
   * total and severity band (never the answers), and whether a clinician must review before
   * placement.
   */
  private void screening(Parameters.ParametersParameterComponent intake, String patient) {
    if (patient == null) {
      return;
    }
    SearchParameterMap totals =
        SearchParameterMap.newSynchronous()
            .add(Observation.SP_SUBJECT, new ReferenceParam(patient))
            .add(Observation.SP_IDENTIFIER, new TokenParam(Screening.SCORE_SYSTEM, null));
    for (IBaseResource found :
        daos.getResourceDao(Observation.class)
            .searchForResources(totals, new SystemRequestDetails())) {
      Observation score = (Observation) found;
      if (!(score.getValue() instanceof IntegerType total)) {
        continue;
      }
      Parameters.ParametersParameterComponent part = intake.addPart().setName("screening");
      part.addPart().setName("instrument").setValue(score.getCode().getCodingFirstRep().copy());
      part.addPart().setName("total").setValue(new IntegerType(total.getValue()));
      score.getInterpretation().stream()
          .flatMap(c -> c.getCoding().stream())
          .filter(c -> IntakeCodes.SEVERITY_SYSTEM.equals(c.getSystem()))
          .findFirst()
          .ifPresent(band -> part.addPart().setName("band").setValue(new CodeType(band.getCode())));
      if (score.hasEffectiveDateTimeType()) {
        part.addPart().setName("date").setValue(score.getEffectiveDateTimeType().copy());
      }
    }
    SearchParameterMap flags =
        SearchParameterMap.newSynchronous()
            .add(Flag.SP_SUBJECT, new ReferenceParam(patient))
            .add(Flag.SP_IDENTIFIER, new TokenParam(Screening.SCORE_SYSTEM, null));
    boolean review =
        daos
            .getResourceDao(Flag.class)
            .searchForResources(flags, new SystemRequestDetails())
            .stream()
            .map(Flag.class::cast)
            .anyMatch(f -> f.getStatus() == Flag.FlagStatus.ACTIVE);
    intake.addPart().setName("reviewRequired").setValue(new BooleanType(review));
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
}
