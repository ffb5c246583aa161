package org.grouptherapy.intake;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.stereotype.Component;

/**
 * Screening questionnaires (PHQ-9, GAD-7, group readiness): a completed QuestionnaireResponse is
 * checked against its Questionnaire before it is stored (every required item answered, answers from
 * the item's options, no unknown items; 422 naming each item otherwise) and scored, in the same
 * transaction, into an Observation per instrument (total, severity band). A PHQ-9 item 9 answer
 * above 0 raises a clinician-review Flag, which blocks placement until a clinician sets it
 * inactive. Re-submitting (amended) replaces the scores; the person's intake moves to
 * screening-done.
 */
@Component
public class Screening implements FhirStorageInterceptor {

  public static final String SCORE_SYSTEM =
      "http://grouptherapy.example.org/identifiers/screening-score";
  private static final String ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
  private static final Map<String, String> SCORED =
      Map.of(
          IntakeCodes.PHQ9, "phq-9",
          IntakeCodes.GAD7, "gad-7",
          IntakeCodes.READINESS, "group-readiness");

  private final DaoRegistry daos;
  private final IntakePipeline pipeline;
  private final Clock clock;
  private final Map<String, Questionnaire> questionnaires = new ConcurrentHashMap<>();
  private final Map<String, CodeSystem> codeSystems = new ConcurrentHashMap<>();

  Screening(DaoRegistry daos, IntakePipeline pipeline, Clock clock) {
    this.daos = daos;
    this.pipeline = pipeline;
    this.clock = clock;
  }

  /** A scored instrument: its total, band, and whether it needs a clinician's review. */
  public record Score(String instrument, int total, String band, boolean clinicianReview) {}

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void checkCreated(IBaseResource resource) {
    check(resource);
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void checkUpdated(IBaseResource previous, IBaseResource resource) {
    check(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
  public void scoreCreated(IBaseResource resource) {
    score(resource);
  }

  @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
  public void scoreUpdated(IBaseResource previous, IBaseResource resource) {
    score(resource);
  }

  private void check(IBaseResource resource) {
    if (resource instanceof QuestionnaireResponse response && isFinal(response)) {
      questionnaireOf(response).ifPresent(q -> validate(response, q));
    }
  }

  private static boolean isFinal(QuestionnaireResponse response) {
    return response.getStatus() == QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED
        || response.getStatus() == QuestionnaireResponse.QuestionnaireResponseStatus.AMENDED;
  }

  private Optional<Questionnaire> questionnaireOf(QuestionnaireResponse response) {
    if (!response.hasQuestionnaire()) {
      return Optional.empty();
    }
    String canonical = response.getQuestionnaire().split("\\|")[0];
    String id = SCORED.get(canonical);
    if (id == null) {
      return Optional.empty();
    }
    return Optional.of(
        questionnaires.computeIfAbsent(
            id,
            key ->
                daos.getResourceDao(Questionnaire.class)
                    .read(new IdType("Questionnaire", key), new SystemRequestDetails())));
  }

  /** Every problem of the response against its questionnaire, as one 422. */
  void validate(QuestionnaireResponse response, Questionnaire questionnaire) {
    OperationOutcome outcome = new OperationOutcome();
    Map<String, Integer> index = new java.util.HashMap<>();
    for (int i = 0; i < response.getItem().size(); i++) {
      index.put(response.getItem().get(i).getLinkId(), i);
    }
    for (Questionnaire.QuestionnaireItemComponent item : questionnaire.getItem()) {
      if (item.getType() == Questionnaire.QuestionnaireItemType.DISPLAY) {
        index.remove(item.getLinkId());
        continue;
      }
      Integer at = index.remove(item.getLinkId());
      List<QuestionnaireResponse.QuestionnaireResponseItemAnswerComponent> answers =
          at == null ? List.of() : response.getItem().get(at).getAnswer();
      String where = "QuestionnaireResponse.item" + (at == null ? "" : "[" + at + "]");
      if (answers.isEmpty()) {
        if (item.getRequired()) {
          error(
              outcome,
              where,
              "Item "
                  + item.getLinkId()
                  + " ('"
                  + item.getText()
                  + "') of "
                  + questionnaire.getTitle()
                  + " is required and has no answer");
        }
        continue;
      }
      if (answers.size() > 1 && !item.getRepeats()) {
        error(
            outcome,
            where,
            "Item " + item.getLinkId() + " takes one answer, not " + answers.size());
      }
      for (var answer : answers) {
        if (!(answer.getValue() instanceof Coding coding) || !allowed(item, coding)) {
          error(
              outcome,
              where + ".answer",
              "Item "
                  + item.getLinkId()
                  + " has an answer that is not one of its options"
                  + (answer.getValue() instanceof Coding c ? " (" + c.getCode() + ")" : ""));
        }
      }
    }
    for (String unknown : index.keySet()) {
      error(
          outcome,
          "QuestionnaireResponse.item[" + index.get(unknown) + "]",
          "Item " + unknown + " is not an item of " + questionnaire.getTitle());
    }
    if (outcome.hasIssue()) {
      throw new UnprocessableEntityException(outcome.getIssueFirstRep().getDiagnostics(), outcome);
    }
  }

  private boolean allowed(Questionnaire.QuestionnaireItemComponent item, Coding answer) {
    if (item.hasAnswerOption()) {
      return item.getAnswerOption().stream()
          .anyMatch(
              o ->
                  o.getValue() instanceof Coding c
                      && c.getSystem().equals(answer.getSystem())
                      && c.getCode().equals(answer.getCode()));
    }
    if (item.hasAnswerValueSet()) {
      String system = item.getAnswerValueSet().replace("/ValueSet/", "/CodeSystem/");
      if (!system.equals(answer.getSystem())) {
        return false;
      }
      String id = system.substring(system.lastIndexOf('/') + 1);
      CodeSystem codes =
          codeSystems.computeIfAbsent(
              id,
              key ->
                  daos.getResourceDao(CodeSystem.class)
                      .read(new IdType("CodeSystem", key), new SystemRequestDetails()));
      return codes.getConcept().stream().anyMatch(c -> c.getCode().equals(answer.getCode()));
    }
    return true;
  }

  private static void error(OperationOutcome outcome, String expression, String text) {
    outcome
        .addIssue()
        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
        .setCode(OperationOutcome.IssueType.REQUIRED)
        .setDiagnostics(text)
        .addExpression(expression);
  }

  /** The scores of a response (none for other questionnaires or unfinished responses). */
  public Optional<Score> scoreOf(QuestionnaireResponse response) {
    if (!isFinal(response)) {
      return Optional.empty();
    }
    return questionnaireOf(response).map(q -> score(response, q));
  }

  static Score score(QuestionnaireResponse response, Questionnaire questionnaire) {
    int total = 0;
    boolean review = false;
    String instrument = questionnaire.getUrl();
    for (QuestionnaireResponse.QuestionnaireResponseItemComponent item : response.getItem()) {
      for (var answer : item.getAnswer()) {
        if (answer.getValue() instanceof Coding chosen) {
          int value = ordinal(questionnaire, item.getLinkId(), chosen);
          total += value;
          if (IntakeCodes.PHQ9.equals(instrument)
              && IntakeCodes.PHQ9_ITEM_9.equals(item.getLinkId())
              && value > 0) {
            review = true;
          }
        }
      }
    }
    return new Score(instrument, total, band(instrument, total), review);
  }

  private static int ordinal(Questionnaire questionnaire, String linkId, Coding chosen) {
    Questionnaire.QuestionnaireItemComponent item =
        questionnaire.getItem().stream()
            .filter(i -> i.getLinkId().equals(linkId))
            .findFirst()
            .orElse(null);
    if (item == null) {
      return 0;
    }
    for (var option : item.getAnswerOption()) {
      if (option.getValue() instanceof Coding c && c.getCode().equals(chosen.getCode())) {
        Extension ordinal = c.getExtensionByUrl(ORDINAL);
        if (ordinal != null && ordinal.getValue() instanceof DecimalType d) {
          return d.getValue().intValue();
        }
      }
    }
    return 0;
  }

  static String band(String instrument, int total) {
    if (IntakeCodes.READINESS.equals(instrument)) {
      return total >= 16 ? "ready" : total >= 10 ? "partly-ready" : "not-ready";
    }
    if (total <= 4) {
      return "minimal";
    }
    if (total <= 9) {
      return "mild";
    }
    if (total <= 14) {
      return "moderate";
    }
    if (IntakeCodes.GAD7.equals(instrument)) {
      return "severe";
    }
    return total <= 19 ? "moderately-severe" : "severe";
  }

  private void score(IBaseResource resource) {
    if (!(resource instanceof QuestionnaireResponse response)) {
      return;
    }
    Optional<Score> scored = scoreOf(response);
    if (scored.isEmpty() || !response.hasSubject()) {
      return;
    }
    Score score = scored.get();
    String responseId = response.getIdElement().toUnqualifiedVersionless().getValue();
    String patient = response.getSubject().getReference();
    SystemRequestDetails write = new SystemRequestDetails();
    Observation total = new Observation();
    String key = responseId.replace('/', '-') + "-" + totalCode(score.instrument());
    total.addIdentifier().setSystem(SCORE_SYSTEM).setValue(key);
    total.setStatus(Observation.ObservationStatus.FINAL);
    total
        .addCategory()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
        .setCode("survey");
    total.getCode().addCoding(totalCoding(score.instrument()));
    total.setSubject(new Reference(patient));
    total.setEffective(
        new org.hl7.fhir.r4.model.DateTimeType(
            response.hasAuthored() ? response.getAuthored() : Date.from(clock.instant())));
    total.setValue(new IntegerType(score.total()));
    total
        .addInterpretation()
        .addCoding()
        .setSystem(IntakeCodes.SEVERITY_SYSTEM)
        .setCode(score.band());
    total.addDerivedFrom(new Reference(responseId));
    daos.getResourceDao(Observation.class)
        .update(total, "Observation?identifier=" + SCORE_SYSTEM + "|" + key, write);
    String flagKey = responseId.replace('/', '-') + "-clinician-review";
    if (score.clinicianReview()) {
      Flag flag = new Flag();
      flag.addIdentifier().setSystem(SCORE_SYSTEM).setValue(flagKey);
      flag.setStatus(Flag.FlagStatus.ACTIVE);
      flag.addCategory()
          .addCoding()
          .setSystem("http://terminology.hl7.org/CodeSystem/flag-category")
          .setCode("clinical");
      flag.getCode()
          .addCoding()
          .setSystem(IntakeCodes.CODES_SYSTEM)
          .setCode("clinician-review")
          .setDisplay("Clinician review before placement");
      flag.getCode()
          .setText("A screening answer needs a clinician's review before group placement");
      flag.setSubject(new Reference(patient));
      flag.getPeriod().setStart(Date.from(clock.instant()));
      flag.addExtension(
          "http://hl7.org/fhir/StructureDefinition/flag-detail", new Reference(responseId));
      daos.getResourceDao(Flag.class)
          .update(flag, "Flag?identifier=" + SCORE_SYSTEM + "|" + flagKey, write);
    }
    pipeline.screened(patient);
  }

  static String totalCode(String instrument) {
    return IntakeCodes.PHQ9.equals(instrument)
        ? IntakeCodes.PHQ9_TOTAL
        : IntakeCodes.GAD7.equals(instrument)
            ? IntakeCodes.GAD7_TOTAL
            : IntakeCodes.READINESS_TOTAL;
  }

  static Coding totalCoding(String instrument) {
    return IntakeCodes.PHQ9.equals(instrument)
        ? new Coding(IntakeCodes.LOINC, IntakeCodes.PHQ9_TOTAL, "PHQ-9 total score")
        : IntakeCodes.GAD7.equals(instrument)
            ? new Coding(IntakeCodes.LOINC, IntakeCodes.GAD7_TOTAL, "GAD-7 total score")
            : new Coding(
                IntakeCodes.CODES_SYSTEM, IntakeCodes.READINESS_TOTAL, "Group readiness total");
  }
}
