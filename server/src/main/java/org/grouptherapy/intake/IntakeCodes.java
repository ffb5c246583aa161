package org.grouptherapy.intake;

import java.util.List;
import org.grouptherapy.kernel.Canonical;

/** Canonical URLs and codes of the intake and placement resources in fhir-profiles/. */
public final class IntakeCodes {

  private static final String BASE = Canonical.BASE;
  private static final String CS = BASE + "/CodeSystem/";
  private static final String SD = BASE + "/StructureDefinition/";

  public static final String LOINC = "http://loinc.org";
  public static final String SNOMED = "http://snomed.info/sct";
  public static final String ICD10 = "http://hl7.org/fhir/sid/icd-10-cm";

  public static final String STAGE_SYSTEM = CS + "intake-stage";
  public static final String CONSENT_KIND_SYSTEM = CS + "consent-kind";
  public static final String AVAILABILITY_SYSTEM = CS + "availability-window";
  public static final String ATTENDANCE_MODE_SYSTEM = CS + "attendance-mode";
  public static final String SEVERITY_SYSTEM = CS + "severity-band";
  public static final String CODES_SYSTEM =
      org.grouptherapy.kernel.SchedulingCodes.WORKFLOW_CODES_SYSTEM;

  public static final String PHQ9 = BASE + "/Questionnaire/phq-9";
  public static final String GAD7 = BASE + "/Questionnaire/gad-7";
  public static final String READINESS = BASE + "/Questionnaire/group-readiness";

  public static final String PHQ9_TOTAL = "44261-6";
  public static final String GAD7_TOTAL = "70274-6";
  public static final String READINESS_TOTAL = "readiness-total";
  public static final String PHQ9_ITEM_9 = "9";

  public static final String GROUP_CLINICAL_FOCUS = SD + "group-clinical-focus";
  public static final String GROUP_AGE_RANGE = SD + "group-age-range";
  public static final String GROUP_COHORT_START = SD + "group-cohort-start";
  public static final String GROUP_ACUITY_LIMIT = SD + "group-acuity-limit";

  /** ServiceRequest.code of a referral for group psychotherapy (SNOMED CT) or CPT 90853. */
  public static final String GROUP_PSYCHOTHERAPY_SNOMED = "76168009";

  public static final String CPT = "http://www.ama-assn.org/go/cpt";

  /** Consent kinds every group requires; telehealth comes on top for a virtual group. */
  public static final List<String> CONSENTS_EVERY_GROUP =
      List.of("group-treatment", "group-confidentiality");

  public static final String TELEHEALTH_CONSENT = "telehealth";

  private IntakeCodes() {}
}
