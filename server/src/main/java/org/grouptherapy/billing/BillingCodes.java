package org.grouptherapy.billing;

import org.grouptherapy.kernel.Canonical;

/** Canonical URLs and code systems of attendance, session notes and claims. */
public final class BillingCodes {

  private static final String BASE = Canonical.BASE;
  private static final String SD = BASE + "/StructureDefinition/";
  private static final String CS = BASE + "/CodeSystem/";

  /** Complex extension on Encounter and on a member's Appointment participant. */
  public static final String SESSION_ATTENDANCE = SD + "session-attendance";

  public static final String ATTENDANCE_STATUS_SYSTEM = CS + "attendance-status";

  /** Boolean extension on a session note: the session involved interactive complexity. */
  public static final String INTERACTIVE_COMPLEXITY = SD + "interactive-complexity";

  /** Complex extension on a therapy Group: how co-facilitated sessions are billed. */
  public static final String GROUP_BILLING = SD + "group-billing";

  public static final String BILLING_PROBLEM_SYSTEM = CS + "billing-problem";

  /** Task.code of a clearinghouse's receipt of a billing package. */
  public static final String BILLING_CODES_SYSTEM = CS + "billing-codes";

  public static final String PACKAGE_SYSTEM =
      "http://grouptherapy.example.org/identifiers/billing-package";
  public static final String CLAIM_PROFILE = SD + "group-session-claim";

  /** Identifier system of one member's attendance of one session (Encounter, Claim, note). */
  public static final String MEMBER_SESSION_SYSTEM =
      "http://grouptherapy.example.org/identifiers/member-session";

  public static final String CPT = "http://www.ama-assn.org/go/cpt";
  public static final String HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
  public static final String POS =
      "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
  public static final String ICD10 = "http://hl7.org/fhir/sid/icd-10-cm";
  public static final String NPI = "http://hl7.org/fhir/sid/us-npi";
  public static final String PAYER_ID = "http://grouptherapy.example.org/identifiers/payer-id";
  public static final String PROGRESS_NOTE_LOINC = "11506-3";

  private BillingCodes() {}

  /** The business key of a member's attendance of a session: "{session id}-{patient id}". */
  public static String memberSessionKey(String sessionId, String patientId) {
    return new org.hl7.fhir.r4.model.IdType(sessionId).getIdPart()
        + "-"
        + new org.hl7.fhir.r4.model.IdType(patientId).getIdPart();
  }

  /**
   * The session a member-session key names ("Appointment/{id}"), given the member: ids may hold
   * dashes themselves (client-assigned ones do), so the member's id is taken off the end.
   */
  public static java.util.Optional<String> sessionOfKey(String key, String patientId) {
    String suffix = "-" + new org.hl7.fhir.r4.model.IdType(patientId).getIdPart();
    if (key == null || !key.endsWith(suffix) || key.length() == suffix.length()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of("Appointment/" + key.substring(0, key.length() - suffix.length()));
  }

  /** CPT modifiers are CPT codes; the HCPCS Level II ones (GT, HQ, …) are HCPCS. */
  public static String modifierSystem(String modifier) {
    return modifier.chars().allMatch(Character::isDigit) ? CPT : HCPCS;
  }
}
