package org.grouptherapy.kernel.access;

import java.util.Optional;
import java.util.Set;

/**
 * What a signed-in person may touch, whatever scopes their app asked for: user/ scopes are limited
 * by the user's role (SMART leaves this to the server).
 */
public enum Role {
  /**
   * Virtual assistant: scheduling, intake pipeline, consents' status, messages, attendance, and the
   * billing documentation made of attendance (claims: reconcile, packages, receipts). No clinical
   * content: no notes, screening answers, observations or conditions.
   */
  VA(
      Set.of(
          "Claim",
          "ClaimResponse",
          "Group",
          "Appointment",
          "AppointmentResponse",
          "Schedule",
          "Slot",
          "Location",
          "Organization",
          "Practitioner",
          "PractitionerRole",
          "HealthcareService",
          "Patient",
          "RelatedPerson",
          "Coverage",
          "ServiceRequest",
          "Task",
          "Consent",
          "List",
          "Communication",
          "CommunicationRequest",
          "Encounter",
          "Questionnaire",
          "CareTeam",
          "Endpoint",
          "ValueSet",
          "CodeSystem",
          "StructureDefinition",
          "SearchParameter",
          "OperationDefinition")),
  /** Therapist: the practice's directory and schedule, and clinical data of their own members. */
  THERAPIST(null),
  /** Biller: claims and what they are made of; no clinical notes. */
  BILLER(
      Set.of(
          "Claim",
          "ClaimResponse",
          "ExplanationOfBenefit",
          "Coverage",
          "Encounter",
          "Patient",
          "Organization",
          "Practitioner",
          "PractitionerRole",
          "Location",
          "Appointment",
          "Group",
          "Account",
          "ChargeItem",
          "ValueSet",
          "CodeSystem")),
  /**
   * Coder: reviews the documentation behind claims: reads claims, the session notes
   * (DocumentReference), attendance (Encounters, sessions) and who and where; no other clinical
   * data (no screenings, observations, conditions, flags), and writes nothing.
   */
  CODER(
      Set.of(
          "Claim",
          "ClaimResponse",
          "DocumentReference",
          "Encounter",
          "Appointment",
          "Group",
          "Patient",
          "Coverage",
          "Organization",
          "Practitioner",
          "PractitionerRole",
          "Location",
          "ValueSet",
          "CodeSystem",
          "StructureDefinition",
          "OperationDefinition")),
  /** Administrator: everything, including the audit log. */
  ADMIN(null),
  /** A patient: their own compartment only. */
  PATIENT(null);

  /**
   * Resource types only a therapist's own members' data may be read of: clinical records, and the
   * claims that carry a member's diagnoses (Claim.diagnosis, and the responses and EOBs about
   * them).
   */
  public static final Set<String> CLINICAL =
      Set.of(
          "Claim",
          "ClaimResponse",
          "ExplanationOfBenefit",
          "Observation",
          "Condition",
          "QuestionnaireResponse",
          "DocumentReference",
          "Composition",
          "DiagnosticReport",
          "CarePlan",
          "Procedure",
          "MedicationStatement",
          "MedicationRequest",
          "AllergyIntolerance",
          "ClinicalImpression",
          "RiskAssessment",
          "Flag",
          "Goal",
          "DetectedIssue");

  /**
   * Resource types a therapist reads but does not write: a group's facilitators and members say
   * whose clinical data a therapist may read, which a VA or an administrator decides.
   */
  public static final Set<String> ASSIGNS_CARE = Set.of("Group");

  public static final String AUDIT_EVENT = "AuditEvent";

  private final Set<String> resourceTypes;

  Role(Set<String> resourceTypes) {
    this.resourceTypes = resourceTypes;
  }

  /** The resource types this role may touch at all; empty for every type. */
  public Optional<Set<String>> resourceTypes() {
    return Optional.ofNullable(resourceTypes);
  }

  public static Optional<Role> fromClaim(String value) {
    try {
      return Optional.of(Role.valueOf(value.toUpperCase().replace("ROLE_", "")));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
