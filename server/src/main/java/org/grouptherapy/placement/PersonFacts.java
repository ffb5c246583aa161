package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.grouptherapy.intake.IntakeCodes;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.Searches;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.springframework.stereotype.Service;

/**
 * Reads what placement needs to know of a person, in bulk where it can: their screening scores
 * (PHQ-9, GAD-7, readiness), the readiness questionnaire's availability and preferred mode, their
 * diagnoses and referral reasons, and clinician-review flags.
 */
@Service
public class PersonFacts {

  private final DaoRegistry daos;
  private final PracticeTime time;

  PersonFacts(DaoRegistry daos, PracticeTime time) {
    this.daos = daos;
    this.time = time;
  }

  private LocalDate today() {
    return time.today();
  }

  /**
   * The person's facts. A person without a completed group readiness questionnaire, or without a
   * PHQ-9 or GAD-7 score, is not screened: 422.
   */
  public PlacementScorer.Person person(String patientId) {
    SystemRequestDetails read = new SystemRequestDetails();
    Patient patient;
    try {
      patient = daos.getResourceDao(Patient.class).read(new IdType(patientId), read);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      throw new ResourceNotFoundException(patientId + " does not exist");
    }
    Map<String, Integer> scores =
        latestScores(List.of(patientId)).getOrDefault(patientId, Map.of());
    QuestionnaireResponse readiness = latestReadiness(patientId).orElse(null);
    List<String> missing = new ArrayList<>();
    if (readiness == null) {
      missing.add("the group readiness questionnaire");
    }
    if (!scores.containsKey(IntakeCodes.PHQ9_TOTAL)
        && !scores.containsKey(IntakeCodes.GAD7_TOTAL)) {
      missing.add("a PHQ-9 or GAD-7");
    }
    if (!missing.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "patient",
          patientId
              + " has not been screened: submit "
              + String.join(" and ", missing)
              + " (completed QuestionnaireResponse) first");
    }
    return person(
        patient,
        scores,
        readiness,
        conditions(List.of(patientId)).getOrDefault(patientId, List.of()),
        underClinicianReview(patientId));
  }

  /**
   * The facts of a screened person from facts read in bulk; {@code null} when their screening is
   * incomplete.
   */
  PlacementScorer.Person personOrNull(
      Patient patient,
      Map<String, Integer> scores,
      QuestionnaireResponse readiness,
      List<String> conditions,
      boolean review) {
    if (readiness == null
        || (!scores.containsKey(IntakeCodes.PHQ9_TOTAL)
            && !scores.containsKey(IntakeCodes.GAD7_TOTAL))) {
      return null;
    }
    return person(patient, scores, readiness, conditions, review);
  }

  /**
   * Each person's diagnoses and referral reasons (ICD-10-CM codes, upper case): active Conditions
   * and active referrals, read a few hundred people at a time.
   */
  Map<String, List<String>> conditions(java.util.Collection<String> patients) {
    SystemRequestDetails read = new SystemRequestDetails();
    Map<String, Set<String>> codes = new HashMap<>();
    for (Condition condition :
        Searches.referencing(daos, Condition.class, Condition.SP_SUBJECT, patients, read)) {
      boolean active =
          !condition.hasClinicalStatus()
              || condition.getClinicalStatus().getCoding().stream()
                  .anyMatch(c -> Set.of("active", "recurrence", "relapse").contains(c.getCode()));
      if (active) {
        codes
            .computeIfAbsent(condition.getSubject().getReference(), p -> new LinkedHashSet<>())
            .addAll(codes(condition.getCode()));
      }
    }
    for (ServiceRequest referral :
        Searches.referencing(
            daos,
            ServiceRequest.class,
            ServiceRequest.SP_SUBJECT,
            patients,
            search -> search.add(ServiceRequest.SP_STATUS, new TokenParam("active")),
            read)) {
      Set<String> into =
          codes.computeIfAbsent(referral.getSubject().getReference(), p -> new LinkedHashSet<>());
      referral.getReasonCode().forEach(reason -> into.addAll(codes(reason)));
    }
    Map<String, List<String>> out = new HashMap<>();
    codes.forEach((patient, set) -> out.put(patient, List.copyOf(set)));
    return out;
  }

  /** Of these people, those an active clinician-review Flag holds back. */
  Set<String> underClinicianReview(java.util.Collection<String> patients) {
    Set<String> held = new HashSet<>();
    Searches.referencing(daos, Flag.class, Flag.SP_SUBJECT, patients, new SystemRequestDetails())
        .stream()
        .filter(f -> f.getStatus() == Flag.FlagStatus.ACTIVE)
        .filter(PersonFacts::isClinicianReview)
        .forEach(f -> held.add(f.getSubject().getReference()));
    return held;
  }

  private PlacementScorer.Person person(
      Patient patient,
      Map<String, Integer> scores,
      QuestionnaireResponse readiness,
      List<String> conditions,
      boolean review) {
    String patientId = patient.getIdElement().toUnqualifiedVersionless().getValue();
    Set<String> availability = new TreeSet<>();
    String mode = "either";
    for (var item : readiness.getItem()) {
      for (var answer : item.getAnswer()) {
        if (answer.getValue() instanceof Coding coding) {
          if ("availability".equals(item.getLinkId())) {
            availability.add(coding.getCode());
          } else if ("attendance-mode".equals(item.getLinkId())) {
            mode = coding.getCode();
          }
        }
      }
    }
    Integer age =
        patient.hasBirthDate()
            ? Period.between(
                    LocalDate.parse(patient.getBirthDateElement().getValueAsString()), today())
                .getYears()
            : null;
    return new PlacementScorer.Person(
        patientId,
        age,
        conditions,
        scores.get(IntakeCodes.PHQ9_TOTAL),
        scores.get(IntakeCodes.GAD7_TOTAL),
        scores.get(IntakeCodes.READINESS_TOTAL),
        review,
        availability,
        mode);
  }

  /** Whether an active clinician-review Flag from screening blocks the person's placement. */
  public boolean underClinicianReview(String patient) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous().add(Flag.SP_SUBJECT, new ReferenceParam(patient));
    return daos
        .getResourceDao(Flag.class)
        .searchForResources(search, new SystemRequestDetails())
        .stream()
        .map(Flag.class::cast)
        .filter(f -> f.getStatus() == Flag.FlagStatus.ACTIVE)
        .anyMatch(PersonFacts::isClinicianReview);
  }

  static boolean isClinicianReview(Flag flag) {
    return flag.getCode().getCoding().stream()
        .anyMatch(
            c ->
                IntakeCodes.CODES_SYSTEM.equals(c.getSystem())
                    && "clinician-review".equals(c.getCode()));
  }

  static List<String> codes(CodeableConcept concept) {
    List<String> codes = new ArrayList<>();
    for (Coding coding : concept.getCoding()) {
      if (coding.hasCode()) {
        codes.add(coding.getCode().toUpperCase(Locale.ROOT));
      }
    }
    return codes;
  }

  /** The latest PHQ-9, GAD-7 and readiness totals of each person, 500 people at a time. */
  Map<String, Map<String, Integer>> latestScores(List<String> patients) {
    Map<String, Map<String, Integer>> all = new HashMap<>();
    for (List<String> chunk : Searches.chunks(patients)) {
      all.putAll(latestScoresOf(chunk));
    }
    return all;
  }

  private Map<String, Map<String, Integer>> latestScoresOf(List<String> patients) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(
                Observation.SP_CODE,
                new TokenOrListParam()
                    .add(IntakeCodes.LOINC, IntakeCodes.PHQ9_TOTAL)
                    .add(IntakeCodes.LOINC, IntakeCodes.GAD7_TOTAL)
                    .add(IntakeCodes.CODES_SYSTEM, IntakeCodes.READINESS_TOTAL));
    if (patients != null) {
      ca.uhn.fhir.rest.param.ReferenceOrListParam who =
          new ca.uhn.fhir.rest.param.ReferenceOrListParam();
      patients.forEach(p -> who.addOr(new ReferenceParam(p)));
      search.add(Observation.SP_SUBJECT, who);
    }
    Map<String, Map<String, Integer>> latest = new HashMap<>();
    Map<String, Date> when = new HashMap<>();
    for (IBaseResource found :
        daos.getResourceDao(Observation.class)
            .searchForResources(search, new SystemRequestDetails())) {
      Observation observation = (Observation) found;
      if (!(observation.getValue() instanceof IntegerType value)
          || observation.getStatus() == Observation.ObservationStatus.ENTEREDINERROR) {
        continue;
      }
      String patient = observation.getSubject().getReference();
      String code = observation.getCode().getCodingFirstRep().getCode();
      Date at =
          observation.hasEffectiveDateTimeType()
              ? observation.getEffectiveDateTimeType().getValue()
              : observation.getMeta().getLastUpdated();
      String key = patient + "|" + code;
      if (at == null) {
        at = new Date(0);
      }
      if (!when.containsKey(key) || when.get(key).before(at)) {
        when.put(key, at);
        latest.computeIfAbsent(patient, p -> new HashMap<>()).put(code, value.getValue());
      }
    }
    return latest;
  }

  Optional<QuestionnaireResponse> latestReadiness(String patientId) {
    return readinessResponses(List.of(patientId)).values().stream().findFirst();
  }

  /** The latest completed group readiness response of each person. */
  Map<String, QuestionnaireResponse> readinessResponses(List<String> patients) {
    Map<String, QuestionnaireResponse> latest = new HashMap<>();
    for (List<String> chunk : Searches.chunks(patients)) {
      readinessResponses(chunk, latest);
    }
    return latest;
  }

  private void readinessResponses(
      List<String> patients, Map<String, QuestionnaireResponse> latest) {
    SearchParameterMap search =
        SearchParameterMap.newSynchronous()
            .add(
                QuestionnaireResponse.SP_STATUS,
                new TokenOrListParam().add("completed").add("amended"))
            .add(QuestionnaireResponse.SP_QUESTIONNAIRE, new ReferenceParam(IntakeCodes.READINESS))
            .add(QuestionnaireResponse.SP_SUBJECT, Searches.anyOf(patients));
    for (IBaseResource found :
        daos.getResourceDao(QuestionnaireResponse.class)
            .searchForResources(search, new SystemRequestDetails())) {
      QuestionnaireResponse response = (QuestionnaireResponse) found;
      if (!response.hasQuestionnaire()
          || !IntakeCodes.READINESS.equals(response.getQuestionnaire().split("\\|")[0])
          || !response.hasSubject()) {
        continue;
      }
      String patient = response.getSubject().getReference();
      QuestionnaireResponse before = latest.get(patient);
      if (before == null || authored(before).before(authored(response))) {
        latest.put(patient, response);
      }
    }
  }

  private static Date authored(QuestionnaireResponse response) {
    return response.hasAuthored()
        ? response.getAuthored()
        : response.getMeta().hasLastUpdated() ? response.getMeta().getLastUpdated() : new Date(0);
  }

  /** Patients by reference, read in bulk; unknown ones are left out. */
  Map<String, Patient> patients(java.util.Collection<String> references) {
    Map<String, Patient> found = new HashMap<>();
    for (Patient patient :
        Searches.byIds(daos, Patient.class, references, new SystemRequestDetails())) {
      found.put(patient.getIdElement().toUnqualifiedVersionless().getValue(), patient);
    }
    return found;
  }
}
