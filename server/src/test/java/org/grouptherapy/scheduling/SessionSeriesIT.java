package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.grouptherapy.kernel.GroupSession;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.TimeType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** $schedule-series, $amend-series, $cancel-session and $cancel-series over real HTTP. */
@IntegrationTest
class SessionSeriesIT {

  static final String SERIES = "http://grouptherapy.example.org/identifiers/series";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String primary;
  String co;
  List<String> members;
  String group;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Willow", 10);
    primary = practice.practitioner("Okafor", "DBT");
    co = practice.practitioner("Haddad", "DBT");
    members = practice.patients("Series", 3);
    group = practice.createGroup("DBT skills", room, List.of(primary, co), members, 8);
  }

  @Test
  void aWeeklySeriesKeepsSixPmLocalAcrossTheSpringChangeAndBlocksTheFacilitators() {
    FhirHttp.Response response = schedule(series("2031-03-03T18:00", 4));

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Parameters out = response.resource(Parameters.class);
    String series = out.getParameter("series").getValue().primitiveValue();
    List<Appointment> sessions = sessions(series);
    assertThat(sessions).hasSize(4);
    assertThat(sessions)
        .extracting(a -> a.getStartElement().getValueAsString())
        .containsExactly(
            "2031-03-03T18:00:00-05:00",
            "2031-03-10T18:00:00-04:00",
            "2031-03-17T18:00:00-04:00",
            "2031-03-24T18:00:00-04:00");
    Appointment first = sessions.get(0);
    assertThat(first.getParticipant())
        .extracting(p -> p.getActor().getReference())
        .containsExactlyInAnyOrder(
            primary, co, room, members.get(0), members.get(1), members.get(2));
    assertThat(first.getMeta().getProfile().get(0).getValue()).endsWith("/group-session");
    assertThat(GroupSession.number(sessions.get(3))).isEqualTo(4);

    List<Slot> blocks = blocks(sessions.get(1));
    assertThat(blocks).hasSize(4); // prep and documentation for each of two facilitators
    assertThat(blocks)
        .extracting(s -> s.getStartElement().getValueAsString())
        .contains("2031-03-10T17:45:00-04:00", "2031-03-10T19:30:00-04:00");
    OperationOutcome outcome = (OperationOutcome) out.getParameter("outcome").getResource();
    assertThat(outcome.getIssueFirstRep().getDiagnostics()).contains("4 sessions scheduled");
    // The server skips the validator for what it builds itself; what it builds conforms.
    for (org.hl7.fhir.r4.model.Resource built :
        List.of(first, blocks.get(0), blocks.get(blocks.size() - 1))) {
      FhirHttp.Response validated = fhir.post(built.fhirType() + "/$validate", built);
      assertThat(validated.outcome().getIssue())
          .as(validated.body())
          .noneMatch(
              i -> i.getSeverity().ordinal() <= OperationOutcome.IssueSeverity.ERROR.ordinal());
    }
  }

  @Test
  void holidaysAndExdatesAreSkippedWithWarnings() {
    Parameters input = series("2031-11-06T18:00", 5);
    input.getParameter("rrule").setValue(new StringType("FREQ=WEEKLY;BYDAY=TH"));
    input.addParameter().setName("exdate").setValue(new DateType("2031-11-13"));
    input.addParameter().setName("holidayCalendar").setValue(new StringType("us-federal"));

    Parameters out = schedule(input).resource(Parameters.class);

    String series = out.getParameter("series").getValue().primitiveValue();
    assertThat(sessions(series))
        .extracting(a -> a.getStartElement().getValueAsString().substring(0, 10))
        .containsExactly("2031-11-06", "2031-11-20", "2031-12-04");
    OperationOutcome outcome = (OperationOutcome) out.getParameter("outcome").getResource();
    assertThat(outcome.getIssue())
        .extracting(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
        .contains(
            "No session on 2031-11-13: excluded (exdate)",
            "No session on 2031-11-27: holiday: Thanksgiving Day");
  }

  @Test
  void aConflictAnywhereInTheSeriesCreatesNothingAndADryRunShowsIt() {
    String otherGroup = practice.createGroup("Other", room, List.of(primary), List.of(), 8);
    fhir.create(
        "Appointment",
        TestPractice.session(
            otherGroup,
            "2032-01-12T18:30:00-05:00",
            "2032-01-12T19:00:00-05:00",
            room,
            List.of(),
            List.of()));

    Parameters dry = series("2032-01-05T18:00", 3);
    dry.addParameter().setName("dryRun").setValue(new BooleanType(true));
    FhirHttp.Response dryRun = schedule(dry);
    assertThat(dryRun.status()).isEqualTo(200);
    Parameters out = dryRun.resource(Parameters.class);
    OperationOutcome outcome = (OperationOutcome) out.getParameter("outcome").getResource();
    assertThat(outcome.getIssue())
        .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
        .singleElement()
        .satisfies(
            i ->
                assertThat(i.getDiagnostics())
                    .startsWith("Session 2 (2032-01-12T18:00)")
                    .contains(room));
    assertThat(((Bundle) out.getParameter("sessions").getResource()).getEntry()).hasSize(3 + 12);
    assertThat(groupSessions()).isZero();

    FhirHttp.Response refused = schedule(series("2032-01-05T18:00", 3));
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains("Session 2").contains(room);
    assertThat(groupSessions()).isZero();
  }

  @Test
  void badSeriesAreRefusedNamingTheParameterAndCreateNothing() {
    String otherSite = fhir.create("Location", new org.hl7.fhir.r4.model.Location().setName("Far"));
    String farRoom = practice.room("Far room", 10, otherSite);
    Parameters badRule = series("2031-05-05T18:00", 3);
    badRule.getParameter("rrule").setValue(new StringType("FREQ=FORTNIGHTLY"));
    assertRefused(badRule, 400, "rrule");

    Parameters inverted = series("2031-05-05T18:00", 3);
    inverted.getParameter().removeIf(p -> p.getName().equals("count"));
    inverted.addParameter().setName("until").setValue(new DateType("2031-04-01"));
    assertRefused(inverted, 422, "until");

    assertRefused(series("2031-05-05T18:00", 200), 422, "count");
    assertRefused(series("2020-05-04T18:00", 3), 422, "start");

    Parameters unknownRoom = series("2031-05-05T18:00", 3);
    unknownRoom.addParameter().setName("room").setValue(new Reference("Location/999999999"));
    assertRefused(unknownRoom, 422, "room");

    Parameters elsewhere = series("2031-05-05T18:00", 3);
    elsewhere.addParameter().setName("room").setValue(new Reference(farRoom));
    assertRefused(elsewhere, 422, "room");

    Parameters twice = series("2031-05-05T18:00", 3);
    twice.addParameter().setName("exdate").setValue(new DateType("2031-05-12"));
    twice.addParameter().setName("exdate").setValue(new DateType("2031-05-12"));
    assertRefused(twice, 422, "exdate");

    Parameters badHolidays = series("2031-05-05T18:00", 3);
    badHolidays
        .addParameter()
        .setName("holidays")
        .setValue(
            new Attachment()
                .setContentType("text/calendar")
                .setData("nonsense".getBytes(StandardCharsets.UTF_8)));
    assertRefused(badHolidays, 400, "holidays");

    Parameters missing = new Parameters();
    missing.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY"));
    assertRefused(missing, 400, "start");

    assertThat(groupSessions()).isZero();
  }

  @Test
  void amendingFromSessionThreeMovesThoseSessionsAndTheirBlocks() {
    String series = seriesId(schedule(series("2031-09-01T18:00", 4)));
    String substitute = practice.practitioner("Lindqvist", "DBT");
    Parameters amend = new Parameters();
    amend.addParameter().setName("series").setValue(new StringType(series));
    amend.addParameter().setName("fromSession").setValue(new IntegerType(3));
    amend.addParameter().setName("time").setValue(new TimeType("17:00:00"));
    amend.addParameter().setName("facilitator").setValue(new Reference(substitute));

    FhirHttp.Response response = fhir.post(group + "/" + OperationNames.AMEND_SERIES, amend);

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    List<Appointment> sessions = sessions(series);
    assertThat(sessions)
        .extracting(a -> a.getStartElement().getValueAsString())
        .containsExactly(
            "2031-09-01T18:00:00-04:00",
            "2031-09-08T18:00:00-04:00",
            "2031-09-15T17:00:00-04:00",
            "2031-09-22T17:00:00-04:00");
    assertThat(sessions.get(2).getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(substitute, co)
        .doesNotContain(primary);
    assertThat(sessions.get(1).getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(primary);
    List<Slot> blocks = blocks(sessions.get(2));
    assertThat(blocks).hasSize(4);
    assertThat(blocks)
        .extracting(s -> s.getStartElement().getValueAsString())
        .contains("2031-09-15T16:45:00-04:00", "2031-09-15T18:30:00-04:00");
    // The original facilitator is free at the old time again.
    assertThat(
            fhir.post(
                    "Appointment",
                    TestPractice.session(
                        group,
                        "2031-09-15T18:00:00-04:00",
                        "2031-09-15T19:00:00-04:00",
                        null,
                        List.of(primary),
                        List.of()))
                .status())
        .isEqualTo(201);
  }

  @Test
  void cancellingOneSessionOrTheRestFreesThemAndCancelledSessionsCannotBeAmended() {
    String series = seriesId(schedule(series("2031-10-06T18:00", 4)));
    List<Appointment> sessions = sessions(series);
    String second = sessions.get(1).getIdElement().toUnqualifiedVersionless().getValue();
    Parameters reason = new Parameters();
    reason.addParameter().setName("reason").setValue(new StringType("Facilitator ill"));

    FhirHttp.Response cancelled = fhir.post(second + "/" + OperationNames.CANCEL_SESSION, reason);
    assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
    Appointment stored = fhir.get(second).resource(Appointment.class);
    assertThat(stored.getStatus()).isEqualTo(Appointment.AppointmentStatus.CANCELLED);
    assertThat(stored.getCancelationReason().getText()).isEqualTo("Facilitator ill");
    assertThat(blocks(stored)).isEmpty();

    assertThat(fhir.post(second + "/" + OperationNames.CANCEL_SESSION, reason).status())
        .isEqualTo(409);
    Parameters amend = new Parameters();
    amend.addParameter().setName("series").setValue(new StringType(series));
    amend.addParameter().setName("fromSession").setValue(new IntegerType(2));
    amend.addParameter().setName("time").setValue(new TimeType("17:00:00"));
    FhirHttp.Response refused = fhir.post(group + "/" + OperationNames.AMEND_SERIES, amend);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains("cancelled");
    assertThat(sessions(series).get(2).getStartElement().getValueAsString())
        .isEqualTo("2031-10-20T18:00:00-04:00");

    Parameters rest = new Parameters();
    rest.addParameter().setName("series").setValue(new StringType(series));
    rest.addParameter().setName("fromSession").setValue(new IntegerType(3));
    rest.addParameter().setName("reason").setValue(new StringType("Group closes early"));
    assertThat(fhir.post(group + "/" + OperationNames.CANCEL_SERIES, rest).status()).isEqualTo(200);
    assertThat(sessions(series))
        .extracting(Appointment::getStatus)
        .containsExactly(
            Appointment.AppointmentStatus.BOOKED,
            Appointment.AppointmentStatus.CANCELLED,
            Appointment.AppointmentStatus.CANCELLED,
            Appointment.AppointmentStatus.CANCELLED);
  }

  @Test
  void aSessionCannotBeMovedIntoThePast() {
    // A session later today moved to a time earlier today, in the group's zone: a group in a zone
    // where both fall on today's date, whatever the hour the suite runs at.
    java.time.ZoneId zone =
        java.util.stream.Stream.of(
                "America/New_York", "Europe/London", "Asia/Tokyo", "America/Los_Angeles")
            .map(java.time.ZoneId::of)
            .filter(z -> java.time.ZonedDateTime.now(z).getHour() >= 2)
            .filter(z -> java.time.ZonedDateTime.now(z).getHour() <= 21)
            .findFirst()
            .orElseThrow();
    org.hl7.fhir.r4.model.Group inZone =
        practice.group("DBT skills", room, List.of(primary, co), members, 8);
    inZone
        .getExtensionByUrl(TestPractice.BASE + "group-timezone")
        .setValue(new org.hl7.fhir.r4.model.CodeType(zone.getId()));
    group = fhir.create("Group", inZone);
    java.time.ZonedDateTime now = java.time.ZonedDateTime.now(zone);
    java.time.ZonedDateTime soon = now.plusMinutes(30).withSecond(0).withNano(0);
    java.time.ZonedDateTime earlier = now.minusHours(1);
    String start = soon.toLocalDateTime().toString();
    Parameters input = series(start, 2);
    input.getParameter("rrule").setValue(new StringType("FREQ=DAILY"));
    input.getParameter("durationMinutes").setValue(new IntegerType(30));
    String series = seriesId(schedule(input));
    Parameters amend = new Parameters();
    amend.addParameter().setName("series").setValue(new StringType(series));
    amend.addParameter().setName("fromSession").setValue(new IntegerType(1));
    amend
        .addParameter()
        .setName("time")
        .setValue(new TimeType(earlier.toLocalTime().withSecond(0).withNano(0) + ":00"));

    FhirHttp.Response refused = fhir.post(group + "/" + OperationNames.AMEND_SERIES, amend);

    assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
    assertThat(refused.diagnostics()).contains("into the past");
    assertThat(refused.outcome().getIssueFirstRep().getExpression().get(0).getValue())
        .contains("'time'");
    assertThat(sessions(series).get(0).getStartElement().getValue())
        .isEqualTo(
            java.util.Date.from(java.time.LocalDateTime.parse(start).atZone(zone).toInstant()));
  }

  @Test
  void schedulingNeedsWriteAccessToSessionsAndBlocks() {
    SmartAuth smart = new SmartAuth(port);
    FhirHttp readOnly =
        fhir.withToken(smart.clientToken("system/Appointment.cruds system/Group.rs"));
    FhirHttp.Response denied =
        readOnly.post(group + "/" + OperationNames.SCHEDULE_SERIES, series("2031-05-05T18:00", 2));
    assertThat(denied.status()).isEqualTo(403);
    assertThat(groupSessions()).isZero();
  }

  private Parameters series(String start, int count) {
    Parameters input = new Parameters();
    input.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY;BYDAY=MO"));
    input.addParameter().setName("start").setValue(new StringType(start));
    input.addParameter().setName("durationMinutes").setValue(new IntegerType(90));
    input.addParameter().setName("count").setValue(new IntegerType(count));
    return input;
  }

  private FhirHttp.Response schedule(Parameters input) {
    return fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, input);
  }

  private static String seriesId(FhirHttp.Response response) {
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.resource(Parameters.class).getParameter("series").getValue().primitiveValue();
  }

  private void assertRefused(Parameters input, int status, String parameter) {
    FhirHttp.Response response = schedule(input);
    assertThat(response.status()).as(response.toString()).isEqualTo(status);
    assertThat(response.outcome().getIssueFirstRep().getExpression().get(0).getValue())
        .as(response.toString())
        .contains("'" + parameter + "'");
  }

  private List<Appointment> sessions(String series) {
    return fhir
        .get("Appointment?identifier=" + SERIES + "|" + series + "&_sort=date&_count=100")
        .resource(Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (Appointment) e.getResource())
        .toList();
  }

  private List<Slot> blocks(Appointment session) {
    return fhir
        .get("Slot?block-for=" + session.getIdElement().toUnqualifiedVersionless().getValue())
        .resource(Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (Slot) e.getResource())
        .toList();
  }

  private int groupSessions() {
    return fhir.get("Appointment?supporting-info=" + group + "&_summary=count")
        .resource(Bundle.class)
        .getTotal();
  }
}
