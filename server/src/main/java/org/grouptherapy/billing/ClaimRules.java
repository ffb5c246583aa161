package org.grouptherapy.billing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.billing.AttendanceService.Mark;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.SchedulingCodes;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;

/**
 * The billing rules of a group practice, as pure functions of what is on file: for each member of a
 * session, the claim their attendance should produce under their payer's rules (code, modifiers,
 * place of service, rendering provider, diagnoses, amount), the problems that stop it, and what an
 * existing claim gets wrong. Nothing here reads or writes storage; {@link ClaimReadModel} gathers
 * the facts and {@link ClaimMapper} turns an expected claim into a FHIR Claim.
 */
final class ClaimRules {

  private ClaimRules() {}

  /** One problem: severity, code (billing-problem), what is wrong, the fix, who is involved. */
  record Problem(boolean error, String code, String text, String fix, List<String> resources) {

    static Problem error(String code, String text, String fix, String... resources) {
      return new Problem(true, code, text, fix, List.of(resources));
    }

    static Problem warning(String code, String text, String fix, String... resources) {
      return new Problem(false, code, text, fix, List.of(resources));
    }
  }

  /** The claim a member's attendance of a session should produce. */
  record Expected(
      String key,
      Appointment session,
      LocalDate serviceDate,
      Group group,
      String patient,
      Encounter encounter,
      Coverage coverage,
      String payerOrganization,
      BillingRules.Payer rules,
      String code,
      List<String> modifiers,
      String placeOfService,
      boolean interactiveComplexity,
      String rendering,
      List<String> others,
      List<String> diagnoses,
      String provider) {

    BigDecimal amount() {
      BigDecimal total = rules.fee(code);
      return interactiveComplexity
          ? total.add(rules.fee(rules.interactiveComplexityCode()))
          : total;
    }

    int units() {
      return interactiveComplexity ? 2 : 1;
    }
  }

  /** One member-session's verdict: the expected claim (if attendance bills), problems, claims. */
  record Line(
      String key,
      String session,
      String patient,
      Expected expected,
      List<Problem> problems,
      List<Claim> claims) {

    boolean billable() {
      return expected != null && problems.stream().noneMatch(Problem::error);
    }

    /** Billable attendance that has no claim yet (said by the summary and the package). */
    Problem notYetClaimed() {
      return Problem.warning(
          "attendance-without-claim",
          patient + " attended " + session + " and has no claim yet",
          "Run $reconcile-attendance to create its draft Claim",
          session,
          patient);
    }
  }

  /** A session's lines. */
  record SessionResult(Appointment session, Group group, List<Line> lines) {}

  /**
   * What is on file about one session: its group, date of service, and per member (by patient
   * reference) their Encounter, note and claims.
   */
  record SessionFacts(
      Appointment session,
      Group group,
      LocalDate serviceDate,
      boolean future,
      Map<String, Encounter> encounters,
      Map<String, DocumentReference> notes,
      Map<String, List<Claim>> claims) {}

  /** What is on file about a member, beyond one session. */
  interface MemberFacts {
    /** The coverage that pays for the date of service (see {@link CoverageOnDate}). */
    CoverageOnDate coverage(String patient, LocalDate serviceDate);

    Optional<String> payerId(Coverage coverage);

    List<String> diagnoses(String patient);
  }

  /**
   * Every member-session of a session that bills, or should not have been billed, or lacks
   * attendance, with its problems.
   *
   * @param payerFilter only members whose payer has this payer id (null: all)
   */
  static SessionResult check(
      SessionFacts facts, MemberFacts members, String payerFilter, BillingRules rules) {
    Appointment session = facts.session();
    String sessionId = References.of(session);
    Map<String, Mark> marks = new LinkedHashMap<>();
    List<String> onSession = new ArrayList<>();
    for (Appointment.AppointmentParticipantComponent p : session.getParticipant()) {
      String who = References.of(p.getActor());
      if (References.isOf(who, "Patient")) {
        onSession.add(who);
        Mark mark =
            AttendanceService.markOf(who, p.getExtensionByUrl(BillingCodes.SESSION_ATTENDANCE));
        if (mark != null) {
          marks.put(who, mark);
        }
      }
    }
    boolean cancelled = session.getStatus() == Appointment.AppointmentStatus.CANCELLED;
    long attending = marks.values().stream().filter(ClaimRules::bills).count();
    List<String> attendingSorted =
        marks.values().stream()
            .filter(ClaimRules::bills)
            .map(Mark::patient)
            .sorted(References.BY_ID)
            .toList();
    Set<String> everyone = new LinkedHashSet<>(onSession);
    everyone.addAll(facts.claims().keySet());
    List<Line> lines = new ArrayList<>();
    for (String patient : everyone) {
      String key = BillingCodes.memberSessionKey(sessionId, patient);
      List<Claim> existing = facts.claims().getOrDefault(patient, List.of());
      CoverageOnDate cover = members.coverage(patient, facts.serviceDate());
      String payerId = cover.coverage().flatMap(members::payerId).orElse(null);
      // A member with no coverage on the date belongs to no payer: every payer's summary and
      // package lists them, so a biller working payer by payer sees them.
      if (payerFilter != null && payerId != null && !payerFilter.equals(payerId)) {
        continue;
      }
      Mark mark = marks.get(patient);
      List<Problem> problems = new ArrayList<>();
      if (cancelled || mark == null || !bills(mark)) {
        problems.addAll(notBilling(sessionId, patient, mark, cancelled, existing));
        if (mark == null && !cancelled && !facts.future() && onSession.contains(patient)) {
          problems.add(
              Problem.warning(
                  "attendance-not-recorded",
                  "No attendance recorded for " + patient + " at " + sessionId,
                  "Record it with Appointment/"
                      + new IdType(sessionId).getIdPart()
                      + "/$record-attendance",
                  sessionId,
                  patient));
        }
        if (!problems.isEmpty()) {
          lines.add(new Line(key, sessionId, patient, null, problems, existing));
        }
        continue;
      }
      Expected expected =
          expected(
              facts,
              patient,
              mark,
              cover,
              payerId,
              members.diagnoses(patient),
              attendingSorted,
              rules,
              problems);
      problems.addAll(
          PayerLimits.ofSession(facts, sessionId, patient, attending, expected.rules()));
      problems.addAll(PayerLimits.ofAttendance(facts, mark, expected.rules()));
      problems.addAll(ClaimDifferences.of(expected, existing));
      lines.add(new Line(key, sessionId, patient, expected, problems, existing));
    }
    return new SessionResult(session, facts.group(), lines);
  }

  /** Claims of a member who did not attend, or of a cancelled session. */
  private static List<Problem> notBilling(
      String sessionId, String patient, Mark mark, boolean cancelled, List<Claim> existing) {
    List<Problem> problems = new ArrayList<>();
    for (Claim claim : existing) {
      String why =
          cancelled
              ? ", which was cancelled"
              : mark == null
                  ? ", but no attendance is recorded"
                  : ", but they did not attend (" + mark.status() + ")";
      problems.add(
          Problem.error(
              "claim-without-attendance",
              ClaimDifferences.claimId(claim) + " bills " + patient + " for " + sessionId + why,
              cancelled || mark != null
                  ? "Cancel " + ClaimDifferences.claimId(claim) + " (status cancelled)"
                  : "Record attendance with $record-attendance, or cancel "
                      + ClaimDifferences.claimId(claim),
              ClaimDifferences.claimId(claim),
              sessionId,
              patient));
    }
    return problems;
  }

  private static Expected expected(
      SessionFacts facts,
      String patient,
      Mark mark,
      CoverageOnDate cover,
      String payerId,
      List<String> diagnoses,
      List<String> attendingSorted,
      BillingRules rules,
      List<Problem> problems) {
    Coverage coverage = cover.coverage().orElse(null);
    Appointment session = facts.session();
    String sessionId = References.of(session);
    Group group = facts.group();
    Encounter encounter = facts.encounters().get(patient);
    DocumentReference note = facts.notes().get(patient);
    BillingRules.Payer payer = rules.forPayer(payerId);
    problems.addAll(missingFacts(sessionId, patient, cover, diagnoses, encounter));
    problems.addAll(noteProblems(sessionId, patient, note));
    boolean complexity = note != null && interactiveComplexity(note);
    String code = isMultiFamily(group) ? payer.multiFamilyCode() : payer.groupCode();
    boolean virtual = encounter != null && "VR".equals(encounter.getClass_().getCode());
    String setting = setting(virtual, mark);
    List<String> modifiers = modifiers(virtual, payer);
    List<String> present = present(encounter, session);
    String rendering = RenderingProvider.of(group, session, patient, present, attendingSorted);
    if (rendering == null) {
      problems.add(
          Problem.error(
              "no-rendering-provider",
              "No facilitator of " + sessionId + " can be the rendering provider",
              "Record which facilitators were present with $record-attendance",
              sessionId));
    } else if (note != null
        && signed(note)
        && !RenderingProvider.maySign(group, rendering, References.of(note.getAuthenticator()))) {
      // Documentation not signed by the rendering provider does not support the claim.
      problems.add(
          Problem.error(
              "note-signer",
              "The note for "
                  + patient
                  + " is signed by "
                  + note.getAuthenticator().getReference()
                  + ", not by the rendering provider "
                  + rendering
                  + ": the claim is held back",
              "Have "
                  + rendering
                  + " sign (or co-sign) the note, or record that the group's billing arrangement"
                  + " is supervision by the signer (group-billing supervisor)",
              References.of(note)));
    }
    List<String> others = new ArrayList<>(present);
    others.remove(rendering);
    String provider =
        group != null && group.hasManagingEntity()
            ? References.of(group.getManagingEntity())
            : null;
    return new Expected(
        BillingCodes.memberSessionKey(sessionId, patient),
        session,
        facts.serviceDate(),
        group,
        patient,
        encounter,
        coverage,
        coverage == null || coverage.getPayor().isEmpty()
            ? null
            : References.of(coverage.getPayorFirstRep()),
        payer,
        code,
        List.copyOf(modifiers),
        payer.placeOfService().get(setting),
        complexity,
        rendering,
        List.copyOf(others),
        diagnoses,
        provider);
  }

  /** Where the member attended from: in person, or by telehealth at home or elsewhere. */
  private static String setting(boolean virtual, Mark mark) {
    if (!virtual) {
      return "in-person";
    }
    return "telehealth-other".equals(mark.setting()) ? "telehealth-other" : "telehealth-home";
  }

  /** The payer's telehealth modifiers for a virtual session, then its group modifiers. */
  private static List<String> modifiers(boolean virtual, BillingRules.Payer payer) {
    List<String> modifiers = new ArrayList<>();
    if (virtual) {
      modifiers.addAll(payer.telehealthModifiers());
    }
    modifiers.addAll(payer.groupModifiers());
    return modifiers;
  }

  /** Coverage, diagnosis and Encounter a claim cannot do without. */
  private static List<Problem> missingFacts(
      String sessionId,
      String patient,
      CoverageOnDate cover,
      List<String> diagnoses,
      Encounter encounter) {
    List<Problem> problems = new ArrayList<>();
    cover.problem(patient).ifPresent(problems::add);
    if (diagnoses.isEmpty()) {
      problems.add(
          Problem.error(
              "missing-diagnosis",
              patient + " has no active Condition with an ICD-10-CM code",
              "Record the member's diagnosis (Condition, clinical status active, ICD-10-CM)",
              patient));
    }
    if (encounter == null) {
      problems.add(
          Problem.error(
              "missing-encounter",
              "Attendance of " + patient + " at " + sessionId + " has no Encounter",
              "Run $record-attendance again for the session",
              sessionId,
              patient));
    }
    return problems;
  }

  /** A missing or unsigned session note. */
  private static List<Problem> noteProblems(
      String sessionId, String patient, DocumentReference note) {
    if (note == null) {
      return List.of(
          Problem.error(
              "missing-note",
              "No session note for " + patient + " at " + sessionId,
              "The rendering facilitator writes and signs the member's note (DocumentReference"
                  + " with context.encounter)",
              sessionId,
              patient));
    }
    if (!signed(note)) {
      return List.of(
          Problem.error(
              "unsigned-note",
              "The note " + References.of(note) + " for " + patient + " is not signed",
              "The rendering facilitator signs it (docStatus final, authenticator set)",
              References.of(note),
              patient));
    }
    return List.of();
  }

  private static boolean interactiveComplexity(DocumentReference note) {
    Extension complexity = note.getExtensionByUrl(BillingCodes.INTERACTIVE_COMPLEXITY);
    return complexity != null
        && complexity.getValue() != null
        && "true".equals(complexity.getValue().primitiveValue());
  }

  private static boolean isMultiFamily(Group group) {
    return group != null
        && group.getCode().getCoding().stream()
            .anyMatch(
                c ->
                    SchedulingCodes.MODALITY_SYSTEM.equals(c.getSystem())
                        && "multi-family".equals(c.getCode()));
  }

  /** The practitioners present: the Encounter's, else everyone on the session. */
  private static List<String> present(Encounter encounter, Appointment session) {
    List<String> present = new ArrayList<>();
    if (encounter != null) {
      encounter.getParticipant().stream()
          .map(p -> References.of(p.getIndividual()))
          .filter(r -> References.isOf(r, "Practitioner"))
          .forEach(present::add);
    }
    if (present.isEmpty()) {
      present.addAll(GroupSession.practitionersOn(session));
    }
    return present;
  }

  static boolean bills(Mark mark) {
    return AttendanceService.ATTENDING.contains(mark.status()) || mark.familyOnly();
  }

  static boolean signed(DocumentReference note) {
    return note.getDocStatus() == DocumentReference.ReferredDocumentStatus.FINAL
        && note.hasAuthenticator()
        && note.getAuthenticator().hasReference();
  }

  /** Adds an active Condition's ICD-10-CM codes (at most 12 in all, no repeats). */
  static void addDiagnoses(Condition condition, List<String> codes) {
    boolean active =
        condition.getClinicalStatus().getCoding().stream()
            .anyMatch(c -> Set.of("active", "recurrence", "relapse").contains(c.getCode()));
    if (!active) {
      return;
    }
    condition.getCode().getCoding().stream()
        .filter(c -> BillingCodes.ICD10.equals(c.getSystem()) && c.hasCode())
        .map(Coding::getCode)
        .filter(code -> !codes.contains(code))
        .forEach(
            code -> {
              if (codes.size() < 12) {
                codes.add(code);
              }
            });
  }
}
