package org.grouptherapy.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ca.uhn.fhir.context.FhirContext;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.Screenings;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Flag;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Intake pipeline, screening, consents, $place, $member-add/remove, waitlist, retention. */
@IntegrationTest
class IntakeAndPlacementIT {

  static final ZoneId NY = ZoneId.of("America/New_York");
  static final String SD = TestPractice.BASE;

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String therapist;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Cedar", 12);
    therapist = practice.practitioner("Intaker", "Process groups");
  }

  // --- the pipeline -----------------------------------------------------------------------------

  @Test
  void aReferralOpensAnIntakeThatMovesInOrderWithWhoAndWhen() {
    String person = practice.patientWithoutConsents("Referred");
    String referral =
        fhir.create("ServiceRequest", Screenings.referral(person, therapist, "F33.1"));

    Task intake = intakeOf(person);
    assertThat(stage(intake)).isEqualTo("referral-received");
    assertThat(intake.getFocus().getReference()).isEqualTo(referral);
    assertThat(intake.getNote()).anySatisfy(n -> assertThat(n.getText()).startsWith("Stage: "));

    // A jump over stages is refused, naming what comes first; nothing changes.
    setStage(intake, "consents-signed");
    FhirHttp.Response jump =
        fhir.put(intake.getIdElement().toUnqualifiedVersionless().getValue(), intake);
    assertThat(jump.status()).as(jump.toString()).isEqualTo(422);
    assertThat(jump.diagnostics()).contains("screening-scheduled, screening-done come first");
    assertThat(stage(intakeOf(person))).isEqualTo("referral-received");

    // The board shows it with the next action.
    Parameters board = fhir.get("Task/" + OperationNames.INTAKE_BOARD).resource(Parameters.class);
    ParametersParameterComponent row =
        rowFor(board, intake.getIdElement().toUnqualifiedVersionless().getValue());
    assertThat(part(row, "nextAction").primitiveValue()).contains("Book a screening");
    assertThat(part(row, "stale").primitiveValue()).isEqualTo("false");

    // Booking the screening appointment on the therapist's calendar moves it on.
    Appointment screening = new Appointment();
    screening.setStatus(Appointment.AppointmentStatus.BOOKED);
    ZonedDateTime at = nextWeekday(DayOfWeek.TUESDAY, 10, 0, 0);
    screening
        .getStartElement()
        .setValueAsString(at.format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    screening
        .getEndElement()
        .setValueAsString(
            at.plusMinutes(50).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    screening.addBasedOn(new Reference(referral));
    screening
        .addParticipant()
        .setActor(new Reference(therapist))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    screening
        .addParticipant()
        .setActor(new Reference(person))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    fhir.create("Appointment", screening);
    assertThat(stage(intakeOf(person))).isEqualTo("screening-scheduled");

    // Scored screening moves it to screening-done; consents to consents-signed.
    fhir.create("QuestionnaireResponse", Screenings.phq9(person, 2, 2, 1, 2, 1, 1, 1, 0, 0));
    assertThat(stage(intakeOf(person))).isEqualTo("screening-done");

    // A VA sees the score and band on the board (never the answers), and no review flag.
    FhirHttp va =
        new FhirHttp(
            port,
            fhirContext,
            new org.grouptherapy.support.SmartAuth(port).userToken("va", "openid user/*.rs"));
    Parameters scored = va.get("Task/" + OperationNames.INTAKE_BOARD).resource(Parameters.class);
    ParametersParameterComponent scoredRow =
        rowFor(scored, intake.getIdElement().toUnqualifiedVersionless().getValue());
    ParametersParameterComponent phq9 =
        scoredRow.getPart().stream()
            .filter(p -> p.getName().equals("screening"))
            .findFirst()
            .orElseThrow();
    assertThat(part(phq9, "total").primitiveValue()).isEqualTo("10");
    assertThat(part(phq9, "band").primitiveValue()).isEqualTo("moderate");
    assertThat(part(scoredRow, "reviewRequired").primitiveValue()).isEqualTo("false");
    assertThat(va.get("QuestionnaireResponse?subject=" + person).status()).isEqualTo(403);
    practice.signConsents(person, "group-treatment", "group-confidentiality");
    Task signed = intakeOf(person);
    assertThat(stage(signed)).isEqualTo("consents-signed");
    assertThat(signed.getNote().stream().filter(n -> n.getText().startsWith("Stage: ")).count())
        .isEqualTo(4);

    // Closing is allowed from any open stage; a closed intake stays closed.
    setStage(signed, "closed-declined");
    assertThat(
            fhir.put(signed.getIdElement().toUnqualifiedVersionless().getValue(), signed).status())
        .isEqualTo(200);
    Task closed = intakeOf(person);
    assertThat(closed.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    setStage(closed, "referral-received");
    assertThat(
            fhir.put(closed.getIdElement().toUnqualifiedVersionless().getValue(), closed).status())
        .isEqualTo(422);
  }

  @Test
  void aClientMoveWithoutItsEvidenceIsRefused() {
    String person = practice.patientWithoutConsents("Unsigned");
    fhir.create("ServiceRequest", Screenings.referral(person, null, "F41.1"));
    fhir.create("QuestionnaireResponse", Screenings.gad7(person, 1, 1, 1, 1, 1, 1, 1));
    Task intake = intakeOf(person);
    assertThat(stage(intake)).isEqualTo("screening-done");
    setStage(intake, "consents-signed");
    FhirHttp.Response refused =
        fhir.put(intake.getIdElement().toUnqualifiedVersionless().getValue(), intake);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.diagnostics())
        .contains("consents not signed")
        .contains("group-treatment (missing)");
  }

  // --- screening
  // ----------------------------------------------------------------------------------

  @Test
  void aScreeningIsValidatedAgainstItsQuestionnaireAndScoredIntoObservations() {
    String person = practice.patient("Screened");
    FhirHttp.Response incomplete =
        fhir.post("QuestionnaireResponse", Screenings.phq9(person, 1, 1, 1, 1));
    assertThat(incomplete.status()).as(incomplete.toString()).isEqualTo(422);
    assertThat(incomplete.diagnostics()).contains("Item 5").contains("is required");
    assertThat(observations(person)).isEmpty();

    fhir.create("QuestionnaireResponse", Screenings.phq9(person, 3, 3, 2, 2, 2, 2, 2, 2, 0));
    Observation total = observations(person).get(0);
    assertThat(total.getCode().getCodingFirstRep().getCode()).isEqualTo("44261-6");
    assertThat(total.getValueIntegerType().getValue()).isEqualTo(18);
    assertThat(total.getInterpretationFirstRep().getCodingFirstRep().getCode())
        .isEqualTo("moderately-severe");
    assertThat(flags(person)).isEmpty();
  }

  @Test
  void phq9Item9RaisesAClinicianReviewFlagThatBlocksPlacement() {
    String person = practice.patient("Flagged");
    fhir.create("QuestionnaireResponse", Screenings.phq9(person, 1, 1, 1, 1, 1, 1, 1, 1, 1));
    screenReadiness(person, List.of("mon-evening"), "either");
    List<Flag> flags = flags(person);
    assertThat(flags).hasSize(1);
    assertThat(flags.get(0).getStatus()).isEqualTo(Flag.FlagStatus.ACTIVE);

    String group = openGroup("Evening process", 8, List.of(), DayOfWeek.MONDAY, 18);
    Parameters placed = fhir.get(person + "/" + OperationNames.PLACE).resource(Parameters.class);
    assertThat(placed.getParameterBool("reviewRequired")).isTrue();

    FhirHttp.Response refused = memberAdd(group, person, false);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains("clinician-review");
    assertThat(members(group)).doesNotContain(person);

    // The clinician reviews it: the flag goes inactive, and enrolment goes through.
    Flag reviewed = flags.get(0).setStatus(Flag.FlagStatus.INACTIVE);
    assertThat(
            fhir.put(reviewed.getIdElement().toUnqualifiedVersionless().getValue(), reviewed)
                .status())
        .isEqualTo(200);
    assertThat(memberAdd(group, person, false).status()).isEqualTo(200);
  }

  // --- placement --------------------------------------------------------------------------------

  @Test
  void placeRanksGroupsExplainsItselfAndListsWhatItExcluded() {
    String person =
        screenedPerson("Ranked", 30, List.of("mon-evening", "wed-evening"), "in-person", "F33.1");
    String best = openGroup("Depression process", 8, List.of("F33"), DayOfWeek.MONDAY, 18);
    String noFocus = openGroup("General process", 8, List.of(), DayOfWeek.WEDNESDAY, 18);
    String morning = openGroup("Morning group", 8, List.of("F33"), DayOfWeek.MONDAY, 9);
    String ended = openGroup("Ended group", 8, List.of("F33"), DayOfWeek.MONDAY, 18);
    setExtension(ended, SD + "group-status", new org.hl7.fhir.r4.model.CodeType("ended"));
    String teens = openGroup("Teen group", 8, List.of("F33"), DayOfWeek.MONDAY, 18);
    setExtension(
        teens,
        SD + "group-age-range",
        new Range().setLow(new Quantity(13)).setHigh(new Quantity(17)));

    Parameters first =
        fhir.get(person + "/" + OperationNames.PLACE + "?_count=100").resource(Parameters.class);
    Parameters again =
        fhir.get(person + "/" + OperationNames.PLACE + "?_count=100").resource(Parameters.class);
    assertThat(fhirContext.newJsonParser().encodeResourceToString(first))
        .isEqualTo(fhirContext.newJsonParser().encodeResourceToString(again));

    List<String> ranked = groupsOf(first, "candidate");
    assertThat(ranked).contains(best, noFocus).doesNotContain(morning, ended, teens);
    assertThat(ranked.indexOf(best)).isLessThan(ranked.indexOf(noFocus));
    ParametersParameterComponent top = candidate(first, best);
    assertThat(reasons(top)).anySatisfy(r -> assertThat(r).contains("F33.1"));
    assertThat(Double.parseDouble(part(top, "scheduleFit").primitiveValue())).isEqualTo(1.0);
    assertThat(reasonsOfExcluded(first, morning))
        .anySatisfy(r -> assertThat(r).contains("availability"));
    assertThat(reasonsOfExcluded(first, ended)).anySatisfy(r -> assertThat(r).contains("ended"));
    assertThat(reasonsOfExcluded(first, teens)).anySatisfy(r -> assertThat(r).contains("outside"));
  }

  @Test
  void placeWithoutScreeningIsRefused() {
    String person = practice.patient("Unscreened");
    FhirHttp.Response refused = fhir.get(person + "/" + OperationNames.PLACE);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.diagnostics()).contains("has not been screened").contains("group readiness");
  }

  // --- enrolment --------------------------------------------------------------------------------

  @Test
  void memberAddEnrolsIntoFutureSessionsSendsOrientationAndMovesTheIntake() {
    String person = practice.patient("Joiner");
    fhir.create("ServiceRequest", Screenings.referral(person, therapist, "F33.1"));
    String group = openGroup("Tuesday process", 8, List.of("F33"), DayOfWeek.TUESDAY, 18);

    FhirHttp.Response added = memberAdd(group, person, false);
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    Parameters out = added.resource(Parameters.class);
    assertThat(
            ((org.hl7.fhir.r4.model.IntegerType) out.getParameter("sessions").getValue())
                .getValue())
        .isEqualTo(3);
    assertThat(members(group)).contains(person);
    String first = ((Reference) out.getParameter("firstSession").getValue()).getReference();
    assertThat(participants(first)).contains(person);
    assertThat(practice.told(first, "Welcome to your group: orientation"))
        .contains(person, therapist);
    assertThat(stage(intakeOf(person))).isEqualTo("orientation-sent");

    // Removing ends the membership and takes them off the later sessions.
    Parameters remove = new Parameters();
    remove.addParameter().setName("patient").setValue(new Reference(person));
    remove.addParameter().setName("end").setValue(new DateType(LocalDate.now(NY).toString()));
    FhirHttp.Response removed = fhir.post(group + "/" + OperationNames.MEMBER_REMOVE, remove);
    assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
    assertThat(participants(first)).doesNotContain(person);
    FhirHttp.Response again = fhir.post(group + "/" + OperationNames.MEMBER_REMOVE, remove);
    assertThat(again.status()).isEqualTo(422);
    assertThat(again.diagnostics()).contains("is not an active member");
  }

  @Test
  void enrolmentWithoutOrWithRevokedConsentIsRefusedAndChangesNothing() {
    String group = openGroup("Consent group", 8, List.of(), DayOfWeek.THURSDAY, 18);
    String unsigned = practice.patientWithoutConsents("Nosign");
    FhirHttp.Response refused = memberAdd(group, unsigned, false);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.diagnostics()).contains("group-treatment (missing)");

    String revoked = practice.patientWithoutConsents("Revoker");
    practice.signConsents(revoked, "group-confidentiality");
    fhir.create(
        "Consent", TestPractice.consent(revoked, "group-treatment", Consent.ConsentState.INACTIVE));
    FhirHttp.Response refused2 = memberAdd(group, revoked, false);
    assertThat(refused2.status()).isEqualTo(422);
    assertThat(refused2.diagnostics()).contains("group-treatment (revoked)");
    assertThat(members(group)).doesNotContain(unsigned, revoked);

    // The same rule holds on a plain Group update.
    Group plain = fhir.get(group).resource(Group.class);
    plain.addMember().setEntity(new Reference(unsigned));
    assertThat(fhir.put(group, plain).status()).isEqualTo(422);
  }

  @Test
  void aFullGroupRefusesOrWaitlistsAndMemberAddOfAnEndedGroupIsRefused() {
    List<String> members = practice.patients("Seated", 2);
    String group = openGroup("Small group", 2, List.of(), DayOfWeek.FRIDAY, 18, members);
    String late = practice.patient("Late");
    FhirHttp.Response full = memberAdd(group, late, false);
    assertThat(full.status()).isEqualTo(409);
    assertThat(full.diagnostics()).contains("is full (2/2)").contains("waitlistIfFull");
    assertThat(members(group)).doesNotContain(late);

    FhirHttp.Response waitlisted = memberAdd(group, late, true);
    assertThat(waitlisted.status()).isEqualTo(200);
    assertThat(
            waitlisted
                .resource(Parameters.class)
                .getParameter("waitlistPosition")
                .getValue()
                .primitiveValue())
        .isEqualTo("1");

    // Plain writes cannot exceed the capacity either.
    Group plain = fhir.get(group).resource(Group.class);
    plain.addMember().setEntity(new Reference(late));
    assertThat(fhir.put(group, plain).status()).isEqualTo(409);

    setExtension(group, SD + "group-status", new org.hl7.fhir.r4.model.CodeType("ended"));
    FhirHttp.Response ended = memberAdd(group, practice.patient("Toolate"), false);
    assertThat(ended.status()).isEqualTo(422);
    assertThat(ended.diagnostics()).contains("has ended");
  }

  @Test
  void twoVasAddingDifferentPeopleToTheLastSeatAtOnceOneWins() throws Exception {
    String vaToken = new SmartAuth(port).userToken("va", "user/*.cruds");
    FhirHttp va = fhir.withToken(vaToken);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 8; round++) {
        therapist = practice.practitioner("Racekeeper" + round);
        String group =
            openGroup(
                "Race " + round,
                3,
                List.of(),
                DayOfWeek.SATURDAY,
                10,
                practice.patients("Sitting" + round, 2));
        String a = practice.patient("Racer" + round + "a");
        String b = practice.patient("Racer" + round + "b");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (String person : List.of(a, b)) {
          Callable<Integer> add =
              () -> {
                start.await();
                return memberAdd(va, group, person, false).status();
              };
          results.add(pool.submit(add));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> result : results) {
          statuses.add(result.get());
        }
        assertThat(statuses).as("round " + round).containsExactlyInAnyOrder(200, 409);
        assertThat(fhir.get(group).resource(Group.class).getMember()).hasSize(3);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void malformedEnrolmentAndWaitlistInputIsRefusedAndChangesNothing() {
    String group = openGroup("Strict group", 8, List.of(), DayOfWeek.WEDNESDAY, 18);
    List<String> before = members(group);

    FhirHttp.Response noPatient =
        fhir.post(group + "/" + OperationNames.MEMBER_ADD, new Parameters());
    assertThat(noPatient.status()).isEqualTo(400);
    assertThat(noPatient.diagnostics()).contains("patient is required");

    Parameters badPeriod = new Parameters();
    badPeriod.addParameter().setName("patient").setValue(new Reference(practice.patient("Dated")));
    badPeriod.addParameter().setName("period").setValue(new StringType("next week"));
    FhirHttp.Response period = fhir.post(group + "/" + OperationNames.MEMBER_ADD, badPeriod);
    assertThat(period.status()).isEqualTo(400);
    assertThat(period.diagnostics()).contains("period must be a Period");
    assertThat(members(group)).isEqualTo(before);

    Parameters halfAssignment = new Parameters();
    halfAssignment.addParameter().setName("apply").setValue(new BooleanType(true));
    halfAssignment
        .addParameter()
        .setName("assignment")
        .addPart()
        .setName("patient")
        .setValue(new Reference(practice.patient("Halfway")));
    FhirHttp.Response half = fhir.post("Group/" + OperationNames.PLACE_WAITLIST, halfAssignment);
    assertThat(half.status()).isEqualTo(400);
    assertThat(half.diagnostics()).contains("assignment.group is required");

    Parameters applyNothing = new Parameters();
    applyNothing.addParameter().setName("apply").setValue(new BooleanType(true));
    FhirHttp.Response nothing = fhir.post("Group/" + OperationNames.PLACE_WAITLIST, applyNothing);
    assertThat(nothing.status()).isEqualTo(400);
    assertThat(nothing.diagnostics()).contains("apply=true needs the accepted assignments");

    FhirHttp.Response owner = fhir.get("Task/" + OperationNames.INTAKE_BOARD + "?owner=Patient/1");
    assertThat(owner.status()).isEqualTo(400);
    assertThat(owner.diagnostics()).contains("owner must be a Practitioner/id reference");
    assertThat(members(group)).isEqualTo(before);
  }

  @Test
  void aVaRunsPlacementAndReadsItsReasonsWithoutClinicalContent() {
    String person = screenedPerson("Private", 40, List.of("mon-evening"), "either", "F41.1");
    String group = openGroup("Anxiety process", 8, List.of("F41"), DayOfWeek.MONDAY, 18);
    FhirHttp va = fhir.withToken(new SmartAuth(port).userToken("va", "user/*.cruds"));

    FhirHttp.Response ranked = va.get(person + "/" + OperationNames.PLACE + "?_count=100");
    assertThat(ranked.status()).as(ranked.toString()).isEqualTo(200);
    String body = ranked.body();
    assertThat(body)
        .doesNotContain("F41")
        .doesNotContain("Group readiness")
        .doesNotContain("Severe");
    ParametersParameterComponent top = candidate(ranked.resource(Parameters.class), group);
    assertThat(top.getPart())
        .extracting(ParametersParameterComponent::getName)
        .doesNotContain("clinicalFit", "readiness")
        .contains("scheduleFit", "score");
    assertThat(reasons(top))
        .contains(PlacementScorer.CLINICAL_WEIGHED)
        .anySatisfy(r -> assertThat(r).contains("open seat"));

    // The same ranking for a clinician carries the clinical reasons.
    ParametersParameterComponent clinical =
        candidate(
            fhir.get(person + "/" + OperationNames.PLACE + "?_count=100")
                .resource(Parameters.class),
            group);
    assertThat(reasons(clinical)).anySatisfy(r -> assertThat(r).contains("F41.1"));
    assertThat(clinical.getPart())
        .extracting(ParametersParameterComponent::getName)
        .contains("clinicalFit", "readiness");

    FhirHttp.Response waitlist =
        va.post("Group/" + OperationNames.PLACE_WAITLIST, new Parameters());
    assertThat(waitlist.status()).as(waitlist.toString()).isEqualTo(200);
    assertThat(waitlist.body()).doesNotContain("Its focus").doesNotContain("Group readiness");
  }

  // --- the waitlist
  // -------------------------------------------------------------------------------

  @Test
  void placeWaitlistProposesTheBestAssignmentAndApplyEnrolsIt() {
    String full =
        openGroup(
            "Full anxiety group",
            1,
            List.of("F41"),
            DayOfWeek.SUNDAY,
            18,
            practice.patients("Full", 1));
    String open = openGroup("Open anxiety group", 1, List.of("F41"), DayOfWeek.SUNDAY, 18);
    String fits = screenedPerson("Fits", 35, List.of("sun-evening"), "in-person", "F41.1");
    String lessFit = screenedPerson("Lessfit", 35, List.of("sun-evening"), "in-person", "F99");
    assertThat(memberAdd(full, fits, true).status()).isEqualTo(200);
    assertThat(memberAdd(full, lessFit, true).status()).isEqualTo(200);

    Parameters proposal =
        fhir.post("Group/" + OperationNames.PLACE_WAITLIST, new Parameters())
            .resource(Parameters.class);
    List<String[]> assigned = new ArrayList<>();
    for (ParametersParameterComponent a : proposal.getParameter()) {
      if ("assignment".equals(a.getName())
          && open.equals(((Reference) part(a, "group")).getReference())) {
        assigned.add(new String[] {((Reference) part(a, "patient")).getReference(), open});
      }
    }
    assertThat(assigned).hasSize(1);
    assertThat(assigned.get(0)[0]).isEqualTo(fits);
    assertThat(proposal.getParameter("method").getValue().primitiveValue())
        .contains("minimum-cost flow");

    Parameters apply = new Parameters();
    apply.addParameter().setName("apply").setValue(new BooleanType(true));
    ParametersParameterComponent accepted = apply.addParameter().setName("assignment");
    accepted.addPart().setName("patient").setValue(new Reference(fits));
    accepted.addPart().setName("group").setValue(new Reference(open));
    FhirHttp.Response applied = fhir.post("Group/" + OperationNames.PLACE_WAITLIST, apply);
    assertThat(applied.status()).as(applied.toString()).isEqualTo(200);
    assertThat(members(open)).contains(fits);
    Bundle waitlist =
        fhir.get(
                "List?subject="
                    + full
                    + "&code="
                    + Fixtures.BASE
                    + "/CodeSystem/intake-codes|waitlist")
            .resource(Bundle.class);
    var list = (org.hl7.fhir.r4.model.ListResource) waitlist.getEntryFirstRep().getResource();
    assertThat(list.getEntry())
        .extracting(e -> e.getItem().getReference(), e -> e.getDeleted())
        .as("placed elsewhere: off this waitlist, with history")
        .containsExactly(tuple(fits, true), tuple(lessFit, false));
  }

  @Test
  void eligibilityRulesRefuseAnEnrolmentUnlessOverriddenWithAReasonThatIsRecorded() {
    String teens = openGroup("Teen group", 8, List.of(), DayOfWeek.TUESDAY, 16);
    setExtension(
        teens,
        SD + "group-age-range",
        new org.hl7.fhir.r4.model.Range()
            .setLow(new org.hl7.fhir.r4.model.Quantity(12))
            .setHigh(new org.hl7.fhir.r4.model.Quantity(17)));
    String adult = screenedPerson("Adult", 18, List.of("tue-afternoon"), "in-person", "F41.1");
    FhirHttp.Response refused = memberAdd(teens, adult, false);
    assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
    assertThat(refused.diagnostics())
        .contains("is 18")
        .contains("12-17")
        .contains("overrideReason");
    Group plain = fhir.get(teens).resource(Group.class);
    plain.addMember().setEntity(new Reference(adult));
    FhirHttp.Response put = fhir.put(teens, plain);
    assertThat(put.status()).as("the same rule on a plain update").isEqualTo(422);
    assertThat(members(teens)).doesNotContain(adult);

    Parameters add = new Parameters();
    add.addParameter().setName("patient").setValue(new Reference(adult));
    add.addParameter()
        .setName("overrideReason")
        .setValue(new org.hl7.fhir.r4.model.StringType("Turned 18 last week; stays with peers"));
    FhirHttp.Response overridden = fhir.post(teens + "/" + OperationNames.MEMBER_ADD, add);
    assertThat(overridden.status()).as(overridden.toString()).isEqualTo(200);
    assertThat(overridden.body()).contains("Enrolled despite");
    assertThat(members(teens)).contains(adult);
    Bundle provenance = fhir.get("Provenance?target=" + teens).resource(Bundle.class);
    assertThat(provenance.getEntry())
        .extracting(
            e -> ((org.hl7.fhir.r4.model.Provenance) e.getResource()).getReasonFirstRep().getText())
        .anyMatch(r -> r.contains("Turned 18 last week"));

    String severeMember =
        screenedPerson(
            "Severeone",
            40,
            List.of("tue-evening"),
            "in-person",
            "F41.1",
            3,
            3,
            3,
            3,
            3,
            3,
            2,
            0,
            0);
    String severeNew =
        screenedPerson(
            "Severetwo",
            40,
            List.of("tue-evening"),
            "in-person",
            "F41.1",
            3,
            3,
            3,
            3,
            3,
            3,
            2,
            0,
            0);
    String calm = screenedPerson("Calm", 40, List.of("tue-evening"), "in-person", "F41.1");
    String limited =
        openGroup("Acuity group", 8, List.of(), DayOfWeek.TUESDAY, 19, List.of(severeMember));
    setExtension(limited, SD + "group-acuity-limit", new org.hl7.fhir.r4.model.PositiveIntType(1));
    FhirHttp.Response atLimit = memberAdd(limited, severeNew, false);
    assertThat(atLimit.status()).as(atLimit.toString()).isEqualTo(422);
    assertThat(atLimit.diagnostics()).contains("acuity limit");
    assertThat(memberAdd(limited, calm, false).status()).isEqualTo(200);
  }

  @Test
  void placedAnywhereAPersonLeavesEveryWaitlistAndIsNotProposedAgain() {
    String fullA =
        openGroup("Full A", 1, List.of("F41"), DayOfWeek.SUNDAY, 17, practice.patients("A", 1));
    String fullB =
        openGroup("Full B", 1, List.of("F41"), DayOfWeek.SUNDAY, 19, practice.patients("B", 1));
    String open = openGroup("Open C", 2, List.of("F41"), DayOfWeek.SUNDAY, 20);
    String placed = screenedPerson("Placed", 35, List.of("sun-evening"), "in-person", "F41.1");
    String still = screenedPerson("Still", 35, List.of("sun-evening"), "in-person", "F41.1");
    assertThat(memberAdd(fullA, placed, true).status()).isEqualTo(200);
    assertThat(memberAdd(fullB, placed, true).status()).isEqualTo(200);
    assertThat(memberAdd(fullA, still, true).status()).isEqualTo(200);

    FhirHttp.Response joined = memberAdd(open, placed, false);
    assertThat(joined.status()).as(joined.toString()).isEqualTo(200);

    for (String full : List.of(fullA, fullB)) {
      var list = waitlistOf(full);
      var entry =
          list.getEntry().stream()
              .filter(e -> placed.equals(e.getItem().getReference()))
              .findFirst()
              .orElseThrow();
      assertThat(entry.getDeleted()).as(full).isTrue();
      assertThat(entry.getFlag().getText()).startsWith("Placed in Open C on ");
    }
    assertThat(waitlistOf(fullA).getEntry())
        .filteredOn(e -> still.equals(e.getItem().getReference()))
        .extracting(e -> e.getDeleted())
        .containsExactly(false);
    assertThat(proposedOrLeft()).doesNotContain(placed).contains(still);

    // An entry left behind (an older server, a write straight to the List) is still stale.
    var list = waitlistOf(fullB);
    list.addEntry()
        .setItem(new Reference(placed))
        .setDate(java.util.Date.from(java.time.Instant.now().minus(java.time.Duration.ofDays(2))));
    assertThat(fhir.put("List/" + list.getIdPart(), list).status()).isEqualTo(200);
    assertThat(proposedOrLeft()).doesNotContain(placed).contains(still);
  }

  private org.hl7.fhir.r4.model.ListResource waitlistOf(String group) {
    Bundle found =
        fhir.get(
                "List?subject="
                    + group
                    + "&code="
                    + Fixtures.BASE
                    + "/CodeSystem/intake-codes|waitlist")
            .resource(Bundle.class);
    return (org.hl7.fhir.r4.model.ListResource) found.getEntryFirstRep().getResource();
  }

  /** Everyone $place-waitlist names, assigned or left waiting. */
  private List<String> proposedOrLeft() {
    Parameters proposal =
        fhir.post("Group/" + OperationNames.PLACE_WAITLIST, new Parameters())
            .resource(Parameters.class);
    List<String> named = new ArrayList<>();
    for (ParametersParameterComponent p : proposal.getParameter()) {
      if ("assignment".equals(p.getName()) || "unassigned".equals(p.getName())) {
        named.add(((Reference) part(p, "patient")).getReference());
      }
    }
    return named;
  }

  // --- retention --------------------------------------------------------------------------------

  @Test
  void retentionAtSessionEightCountsMembersStillAttending() {
    String stays = practice.patient("Stays");
    String leaves = practice.patient("Leaves");
    LocalDate joined = LocalDate.now(NY).minusWeeks(10);
    Group group = practice.group("Retention group", room, List.of(therapist), List.of(), 10);
    for (String member : List.of(stays, leaves)) {
      group
          .addMember()
          .setEntity(new Reference(member))
          .getPeriod()
          .setStartElement(new org.hl7.fhir.r4.model.DateTimeType(joined.toString()));
    }
    String id = fhir.create("Group", group);
    ZonedDateTime first =
        joined.with(TemporalAdjusters.nextOrSame(DayOfWeek.WEDNESDAY)).atTime(7, 0).atZone(NY);
    for (int week = 0; week < 9; week++) {
      ZonedDateTime start = first.plusWeeks(week);
      List<String> present = week >= 7 ? List.of(stays) : List.of(stays, leaves);
      fhir.create(
          "Appointment",
          TestPractice.session(
              id,
              start.format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME),
              start.plusMinutes(90).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME),
              room,
              List.of(therapist),
              present));
    }
    Parameters report =
        fhir.get("Group/" + OperationNames.RETENTION_REPORT + "?start=" + joined + "&end=" + joined)
            .resource(Parameters.class);
    ParametersParameterComponent row =
        report.getParameter().stream()
            .filter(
                p ->
                    "group".equals(part(p, "dimension").primitiveValue())
                        && id.equals(part(p, "value").primitiveValue()))
            .findFirst()
            .orElseThrow();
    assertThat(part(row, "members").primitiveValue()).isEqualTo("2");
    assertThat(part(row, "retained").primitiveValue()).isEqualTo("1");
    assertThat(part(row, "rate").primitiveValue()).isEqualTo("0.500");

    assertThat(
            fhir.get(
                    "Group/" + OperationNames.RETENTION_REPORT + "?start=2026-05-01&end=2026-04-01")
                .status())
        .isEqualTo(422);
  }

  // --- helpers
  // ------------------------------------------------------------------------------------

  String screenedPerson(String family, int age, List<String> windows, String mode, String reason) {
    return screenedPerson(family, age, windows, mode, reason, 1, 1, 1, 1, 1, 1, 1, 1, 0);
  }

  String screenedPerson(
      String family, int age, List<String> windows, String mode, String reason, int... phq9) {
    Patient patient = Fixtures.patient(family);
    patient.setBirthDateElement(
        new DateType(LocalDate.now(NY).minusYears(age).minusDays(10).toString()));
    String id = fhir.create("Patient", patient);
    practice.signConsents(id, "group-treatment", "group-confidentiality", "telehealth");
    fhir.create("ServiceRequest", Screenings.referral(id, therapist, reason));
    fhir.create("QuestionnaireResponse", Screenings.phq9(id, phq9));
    screenReadiness(id, windows, mode);
    return id;
  }

  void screenReadiness(String person, List<String> windows, String mode) {
    FhirHttp.Response response =
        fhir.post(
            "QuestionnaireResponse",
            Screenings.readiness(person, new int[] {3, 4, 3, 4, 3, 3}, windows, mode));
    assertThat(response.status()).as(response.toString()).isEqualTo(201);
  }

  String openGroup(String name, int maximum, List<String> focus, DayOfWeek day, int hour) {
    return openGroup(name, maximum, focus, day, hour, List.of());
  }

  /** A running group with three weekly sessions from the next such weekday. */
  String openGroup(
      String name, int maximum, List<String> focus, DayOfWeek day, int hour, List<String> members) {
    Group group = practice.group(name, room, List.of(therapist), members, maximum);
    for (String code : focus) {
      group.addExtension(
          SD + "group-clinical-focus",
          new CodeableConcept()
              .addCoding(
                  new org.hl7.fhir.r4.model.Coding(
                      "http://hl7.org/fhir/sid/icd-10-cm", code, null)));
    }
    String id = fhir.create("Group", group);
    ZonedDateTime start = nextWeekday(day, hour, 0, Math.abs(name.hashCode() % 50));
    for (int week = 0; week < 3; week++) {
      ZonedDateTime at = start.plusWeeks(week);
      FhirHttp.Response created =
          fhir.post(
              "Appointment",
              TestPractice.session(
                  id,
                  at.format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                  at.plusMinutes(5).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                  null,
                  List.of(therapist),
                  members));
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
    }
    return id;
  }

  static ZonedDateTime nextWeekday(DayOfWeek day, int hour, int minute, int spreadMinutes) {
    return LocalDate.now(NY)
        .plusDays(1)
        .with(TemporalAdjusters.nextOrSame(day))
        .atTime(hour, minute)
        .plusMinutes(spreadMinutes)
        .atZone(NY);
  }

  void setExtension(String group, String url, org.hl7.fhir.r4.model.Type value) {
    Group current = fhir.get(group).resource(Group.class);
    current.getExtension().removeIf(e -> url.equals(e.getUrl()));
    current.addExtension(url, value);
    FhirHttp.Response updated = fhir.put(group, current);
    assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
  }

  FhirHttp.Response memberAdd(String group, String person, boolean waitlist) {
    return memberAdd(fhir, group, person, waitlist);
  }

  static FhirHttp.Response memberAdd(
      FhirHttp client, String group, String person, boolean waitlist) {
    Parameters add = new Parameters();
    add.addParameter().setName("patient").setValue(new Reference(person));
    if (waitlist) {
      add.addParameter().setName("waitlistIfFull").setValue(new BooleanType(true));
    }
    return client.post(group + "/" + OperationNames.MEMBER_ADD, add);
  }

  List<String> members(String group) {
    return fhir.get(group).resource(Group.class).getMember().stream()
        .filter(m -> !m.getPeriod().hasEnd())
        .map(m -> m.getEntity().getReference())
        .toList();
  }

  List<String> participants(String session) {
    return fhir.get(session).resource(Appointment.class).getParticipant().stream()
        .map(p -> p.getActor().getReference())
        .toList();
  }

  Task intakeOf(String person) {
    Bundle found =
        fhir.get(
                "Task?subject="
                    + person
                    + "&code="
                    + Fixtures.BASE
                    + "/CodeSystem/intake-codes|intake")
            .resource(Bundle.class);
    assertThat(found.getEntry()).hasSize(1);
    return (Task) found.getEntryFirstRep().getResource();
  }

  static String stage(Task task) {
    return task.getBusinessStatus().getCodingFirstRep().getCode();
  }

  static void setStage(Task task, String stage) {
    task.getBusinessStatus().getCodingFirstRep().setCode(stage);
  }

  List<Observation> observations(String person) {
    return fhir.get("Observation?subject=" + person).resource(Bundle.class).getEntry().stream()
        .map(e -> (Observation) e.getResource())
        .toList();
  }

  List<Flag> flags(String person) {
    return fhir.get("Flag?subject=" + person).resource(Bundle.class).getEntry().stream()
        .map(e -> (Flag) e.getResource())
        .toList();
  }

  static ParametersParameterComponent rowFor(Parameters board, String task) {
    return entry(board, "intake", "task", task);
  }

  /** The output parameter of a name whose reference part points at the given resource. */
  static ParametersParameterComponent entry(
      Parameters out, String name, String part, String reference) {
    return out.getParameter().stream()
        .filter(
            p ->
                name.equals(p.getName())
                    && reference.equals(((Reference) part(p, part)).getReference()))
        .findFirst()
        .orElseThrow();
  }

  static org.hl7.fhir.r4.model.Type part(ParametersParameterComponent parameter, String name) {
    return parameter.getPart().stream()
        .filter(p -> name.equals(p.getName()))
        .findFirst()
        .orElseThrow()
        .getValue();
  }

  static List<String> groupsOf(Parameters out, String name) {
    return out.getParameter().stream()
        .filter(p -> name.equals(p.getName()))
        .map(p -> ((Reference) part(p, "group")).getReference())
        .toList();
  }

  static ParametersParameterComponent candidate(Parameters out, String group) {
    return entry(out, "candidate", "group", group);
  }

  static List<String> reasons(ParametersParameterComponent parameter) {
    return parameter.getPart().stream()
        .filter(p -> "reason".equals(p.getName()))
        .map(p -> p.getValue().primitiveValue())
        .toList();
  }

  static List<String> reasonsOfExcluded(Parameters out, String group) {
    return reasons(entry(out, "excluded", "group", group));
  }
}
