package org.grouptherapy.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.billing.AttendanceService.Mark;
import org.grouptherapy.billing.ClaimRules.Line;
import org.grouptherapy.billing.ClaimRules.MemberFacts;
import org.grouptherapy.billing.ClaimRules.Problem;
import org.grouptherapy.billing.ClaimRules.SessionFacts;
import org.grouptherapy.kernel.SchedulingCodes;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * Reconcile's rules without a database: the expected claim of an attended member-session, each
 * problem that stops it, and what a claim on file gets wrong.
 */
class ClaimRulesTest {

  private static final BillingRules RULES =
      new BillingRules("classpath:billing/billing-rules.json");
  private static final String THERAPIST = "Practitioner/10";
  private static final String MEMBER = "Patient/1";

  private final Coverage coverage = new Coverage();

  /** A member with Harborline coverage and a diagnosis. */
  private final MemberFacts covered =
      new MemberFacts() {
        @Override
        public CoverageOnDate coverage(String patient, java.time.LocalDate serviceDate) {
          return new CoverageOnDate(Optional.of(coverage), Optional.empty(), 0);
        }

        @Override
        public Optional<String> payerId(Coverage c) {
          return Optional.of("HRB01");
        }

        @Override
        public List<String> diagnoses(String patient) {
          return List.of("F33.1");
        }
      };

  ClaimRulesTest() {
    coverage.setId("Coverage/3");
    coverage.addPayor(new Reference("Organization/2"));
  }

  private static Group group(String modality) {
    Group group = new Group();
    group.setId("Group/1");
    group.setName("Tuesday process group");
    group.setManagingEntity(new Reference("Organization/5"));
    group.getCode().addCoding(new Coding(SchedulingCodes.MODALITY_SYSTEM, modality, null));
    Extension facilitator = group.addExtension().setUrl(SchedulingCodes.GROUP_FACILITATOR);
    facilitator.addExtension("practitioner", new Reference(THERAPIST));
    facilitator.addExtension("role", new CodeType("primary"));
    return group;
  }

  private static Appointment session(String status, int minutes) {
    Instant start = Instant.parse("2026-11-10T23:00:00Z"); // 18:00 in New York
    Appointment session = new Appointment();
    session.setId("Appointment/100");
    session.setStatus(Appointment.AppointmentStatus.BOOKED);
    session.setStart(Date.from(start));
    session.setEnd(Date.from(start.plus(minutes, ChronoUnit.MINUTES)));
    session.addSupportingInformation(new Reference("Group/1"));
    session
        .addParticipant()
        .setActor(new Reference(THERAPIST))
        .addType()
        .addCoding()
        .setCode("PPRF");
    Appointment.AppointmentParticipantComponent member =
        session.addParticipant().setActor(new Reference(MEMBER));
    if (status != null) {
      member.addExtension(
          AttendanceService.attendanceExtension(new Mark(MEMBER, status, 0, 0, null, false)));
    }
    return session;
  }

  private static Encounter encounter(boolean virtual) {
    Encounter encounter = new Encounter();
    encounter.setId("Encounter/7");
    encounter.setClass_(new Coding(null, virtual ? "VR" : "AMB", null));
    encounter.addParticipant().setIndividual(new Reference(THERAPIST));
    return encounter;
  }

  private static DocumentReference note(String signer) {
    DocumentReference note = new DocumentReference();
    note.setId("DocumentReference/8");
    note.setSubject(new Reference(MEMBER));
    if (signer != null) {
      note.setDocStatus(DocumentReference.ReferredDocumentStatus.FINAL);
      note.setAuthenticator(new Reference(signer));
    }
    return note;
  }

  private Line check(
      Appointment session, Group group, Encounter encounter, DocumentReference note) {
    SessionFacts facts =
        new SessionFacts(
            session,
            group,
            LocalDate.of(2026, 11, 10),
            false,
            encounter == null ? Map.of() : Map.of(MEMBER, encounter),
            note == null ? Map.of() : Map.of(MEMBER, note),
            Map.of());
    return ClaimRules.check(facts, covered, null, RULES).lines().get(0);
  }

  private static List<String> codes(Line line) {
    return line.problems().stream().map(Problem::code).toList();
  }

  @Test
  void anAttendedSessionWithASignedNoteBillsOneGroupCode() {
    Line line = check(session("attended", 90), group("process"), encounter(false), note(THERAPIST));
    assertThat(line.problems()).isEmpty();
    assertThat(line.billable()).isTrue();
    ClaimRules.Expected expected = line.expected();
    assertThat(expected.code()).isEqualTo("90853");
    assertThat(expected.placeOfService()).isEqualTo("11");
    assertThat(expected.modifiers()).isEmpty();
    assertThat(expected.rendering()).isEqualTo(THERAPIST);
    assertThat(expected.amount()).isEqualByComparingTo("72.00");
    Claim claim = ClaimMapper.claim(expected, new Date());
    assertThat(claim.getItemFirstRep().getServicedDateType().getValueAsString())
        .as("the date of service is the local date in the group's zone")
        .isEqualTo("2026-11-10");
    assertThat(ClaimDifferences.differences(expected, claim)).isEmpty();
  }

  @Test
  void telehealthAddsThePayersModifierAndPlaceOfService() {
    Line line = check(session("attended", 90), group("process"), encounter(true), note(THERAPIST));
    assertThat(line.expected().modifiers()).containsExactly("95");
    assertThat(line.expected().placeOfService()).isEqualTo("10");
  }

  @Test
  void aMultiFamilyGroupBillsTheFamilyCode() {
    Line line =
        check(session("attended", 90), group("multi-family"), encounter(false), note(THERAPIST));
    assertThat(line.expected().code()).isEqualTo("90849");
  }

  @Test
  void missingAndUnsignedNotesHoldTheClaim() {
    assertThat(codes(check(session("attended", 90), group("process"), encounter(false), null)))
        .containsExactly("missing-note");
    Line unsigned = check(session("attended", 90), group("process"), encounter(false), note(null));
    assertThat(codes(unsigned)).containsExactly("unsigned-note");
    assertThat(unsigned.billable()).isFalse();
  }

  @Test
  void aNoteSignedByAnotherPractitionerHoldsTheClaimUnlessTheyAreTheBillingSupervisor() {
    Line line =
        check(session("attended", 90), group("process"), encounter(false), note("Practitioner/99"));
    assertThat(codes(line)).containsExactly("note-signer");
    assertThat(line.billable()).isFalse();
    assertThat(line.problems().get(0).fix()).contains("sign (or co-sign) the note");

    Group supervised = group("process");
    Extension billing = supervised.addExtension().setUrl(BillingCodes.GROUP_BILLING);
    billing.addExtension("arrangement", new CodeType("primary"));
    billing.addExtension("supervisor", new Reference("Practitioner/99"));
    Line bySupervisor =
        check(session("attended", 90), supervised, encounter(false), note("Practitioner/99"));
    assertThat(codes(bySupervisor)).isEmpty();
    assertThat(bySupervisor.billable()).isTrue();
  }

  @Test
  void aMemberWhoAttendedLessThanThePayersMinimumIsNotBilled() {
    Appointment late = session("attended", 90);
    Appointment.AppointmentParticipantComponent member = late.getParticipant().get(1);
    member.getExtension().clear();
    member.addExtension(
        AttendanceService.attendanceExtension(new Mark(MEMBER, "attended", 35, 20, null, false)));
    Line line = check(late, group("process"), encounter(false), note(THERAPIST));
    assertThat(codes(line)).containsExactly("attended-too-short");
    assertThat(line.billable()).isFalse();
    assertThat(line.problems().get(0).text())
        .contains("attended 35 of the 90 minutes (35 late, left 20 early)")
        .contains("at least 45 attended");

    Appointment briefly = session("attended", 90);
    briefly.getParticipant().get(1).getExtension().clear();
    briefly
        .getParticipant()
        .get(1)
        .addExtension(
            AttendanceService.attendanceExtension(
                new Mark(MEMBER, "attended", 30, 0, null, false)));
    assertThat(codes(check(briefly, group("process"), encounter(false), note(THERAPIST))))
        .as("60 of 90 minutes meets the 45-minute minimum")
        .isEmpty();
  }

  @Test
  void aSessionShorterThanThePayersMinimumIsNotBillable() {
    Line line = check(session("attended", 30), group("process"), encounter(false), note(THERAPIST));
    assertThat(codes(line)).containsExactly("session-too-short");
    assertThat(line.billable()).isFalse();
  }

  @Test
  void aNoShowBillsNothing() {
    SessionFacts facts =
        new SessionFacts(
            session("no-show", 90),
            group("process"),
            LocalDate.of(2026, 11, 10),
            false,
            Map.of(),
            Map.of(),
            Map.of());
    assertThat(ClaimRules.check(facts, covered, null, RULES).lines()).isEmpty();
  }

  @Test
  void aClaimWithTheWrongCodeIsNamedWithItsFix() {
    Line line = check(session("attended", 90), group("process"), encounter(false), note(THERAPIST));
    Claim claim = ClaimMapper.claim(line.expected(), new Date());
    claim.getItemFirstRep().getProductOrService().getCodingFirstRep().setCode("90849");
    assertThat(ClaimDifferences.differences(line.expected(), claim))
        .containsExactly("code 90849 should be 90853");
  }

  @Test
  void aMemberSessionKeyNamesItsSessionWhateverTheIds() {
    assertThat(
            BillingCodes.memberSessionKey(
                "Appointment/session-dbt-monday-5", "Patient/patient-RB1"))
        .isEqualTo("session-dbt-monday-5-patient-RB1");
    assertThat(BillingCodes.sessionOfKey("session-dbt-monday-5-patient-RB1", "Patient/patient-RB1"))
        .contains("Appointment/session-dbt-monday-5");
    assertThat(BillingCodes.sessionOfKey("123-456", "Patient/456")).contains("Appointment/123");
    assertThat(BillingCodes.sessionOfKey("123-456", "Patient/789")).isEmpty();
  }
}
