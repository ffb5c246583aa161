package org.grouptherapy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.stream.Stream;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Every operation reads its input at one boundary (OperationParameters, LocalDates): malformed,
 * missing or unknown input is refused with 400 or 422 and an OperationOutcome whose expression
 * names the parameter, and nothing is written.
 */
@IntegrationTest
class OperationInputIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  String group;
  String session;
  String patient;
  String practitioner;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    TestPractice practice = new TestPractice(fhir);
    practitioner = practice.practitioner("Inputs");
    patient = practice.patient("Inputs");
    String room = practice.room("Input room", 10);
    group = practice.createGroup("Input group", room, List.of(practitioner), List.of(patient), 8);
    String body =
        """
        {"resourceType":"Parameters","parameter":[
          {"name":"rrule","valueString":"FREQ=WEEKLY;BYDAY=TU"},
          {"name":"start","valueString":"2033-03-01T10:00"},
          {"name":"durationMinutes","valueInteger":60},
          {"name":"count","valueInteger":2}]}""";
    FhirHttp.Response scheduled = fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, body);
    assertThat(scheduled.status()).as(scheduled.toString()).isEqualTo(200);
    session =
        fhir.get("Appointment?supporting-info=" + group + "&_sort=date&_count=1")
            .resource(org.hl7.fhir.r4.model.Bundle.class)
            .getEntryFirstRep()
            .getResource()
            .getIdElement()
            .toUnqualifiedVersionless()
            .getValue();
  }

  /** One bad request: where it goes, what it sends, the status and the parameter it names. */
  record Bad(String what, String path, String body, int status, String parameter) {
    @Override
    public String toString() {
      return what;
    }
  }

  /** No parameters at all is Parameters without the element: R4 JSON has no empty arrays. */
  private static String parameters(String... parameters) {
    if (parameters.length == 0) {
      return "{\"resourceType\":\"Parameters\"}";
    }
    return "{\"resourceType\":\"Parameters\",\"parameter\":[" + String.join(",", parameters) + "]}";
  }

  private static String string(String name, String value) {
    return "{\"name\":\"" + name + "\",\"valueString\":\"" + value + "\"}";
  }

  private static String reference(String name, String value) {
    return "{\"name\":\"" + name + "\",\"valueReference\":{\"reference\":\"" + value + "\"}}";
  }

  static Stream<Arguments> badRequests() {
    // {g} the group, {a} a future session of it, {p} a member, {pr} its facilitator.
    return Stream.of(
            new Bad(
                "schedule without an rrule",
                "{g}/" + OperationNames.SCHEDULE_SERIES,
                parameters(),
                400,
                "rrule"),
            new Bad(
                "schedule without a start",
                "{g}/" + OperationNames.SCHEDULE_SERIES,
                parameters(string("rrule", "FREQ=WEEKLY;COUNT=2")),
                400,
                "start"),
            new Bad(
                "schedule with an unknown parameter",
                "{g}/" + OperationNames.SCHEDULE_SERIES,
                parameters(string("colour", "blue")),
                400,
                "colour"),
            new Bad(
                "schedule until a month that does not exist",
                "{g}/" + OperationNames.SCHEDULE_SERIES,
                parameters(
                    string("rrule", "FREQ=WEEKLY"),
                    string("start", "2033-03-01T10:00"),
                    "{\"name\":\"durationMinutes\",\"valueInteger\":60}",
                    string("until", "2033-13")),
                400,
                "until"),
            new Bad(
                "amend without fromSession",
                "{g}/" + OperationNames.AMEND_SERIES,
                parameters(string("series", "x")),
                400,
                "fromSession"),
            new Bad(
                "cancel a series without its id",
                "{g}/" + OperationNames.CANCEL_SERIES,
                parameters(),
                400,
                "series"),
            new Bad(
                "cancel a session without a reason",
                "{a}/" + OperationNames.CANCEL_SESSION,
                parameters(),
                400,
                "reason"),
            new Bad(
                "a substitute who is not named",
                "{a}/" + OperationNames.ASSIGN_SUBSTITUTE,
                parameters(),
                400,
                "substitute"),
            new Bad(
                "skip for a member who is a group",
                "{a}/" + OperationNames.SKIP_SESSION,
                parameters(reference("member", "{g}")),
                400,
                "member"),
            new Bad(
                "a move without its make-up session",
                "{a}/" + OperationNames.MOVE_MEMBER,
                parameters(reference("member", "{p}")),
                400,
                "to"),
            new Bad(
                "a hold of nothing",
                "Appointment/" + OperationNames.HOLD,
                parameters(),
                400,
                "appointment-resource"),
            new Bad(
                "an enrolment of nobody",
                "{g}/" + OperationNames.MEMBER_ADD,
                parameters(),
                400,
                "patient"),
            new Bad(
                "an enrolment with a period in words",
                "{g}/" + OperationNames.MEMBER_ADD,
                parameters(reference("patient", "{p}"), string("period", "next week")),
                400,
                "period"),
            new Bad(
                "a removal of a non-reference",
                "{g}/" + OperationNames.MEMBER_REMOVE,
                parameters(string("patient", "nonsense")),
                400,
                "patient"),
            new Bad(
                "half an accepted assignment",
                "Group/" + OperationNames.PLACE_WAITLIST,
                parameters(
                    "{\"name\":\"apply\",\"valueBoolean\":true}",
                    "{\"name\":\"assignment\",\"part\":[" + reference("patient", "{p}") + "]}"),
                400,
                "assignment.group"),
            new Bad(
                "an attendance status nobody knows",
                "{a}/" + OperationNames.RECORD_ATTENDANCE,
                parameters(
                    "{\"name\":\"attendance\",\"part\":["
                        + reference("patient", "{p}")
                        + ","
                        + "{\"name\":\"status\",\"valueCode\":\"asleep\"}]}"),
                400,
                "attendance.status"),
            new Bad(
                "negative minutes late",
                "{a}/" + OperationNames.RECORD_ATTENDANCE,
                parameters(
                    "{\"name\":\"attendance\",\"part\":["
                        + reference("patient", "{p}")
                        + ",{\"name\":\"status\",\"valueCode\":\"late\"},"
                        + "{\"name\":\"minutesLate\",\"valueInteger\":-5}]}"),
                400,
                "attendance.minutesLate"),
            new Bad(
                "a reconcile period without an end",
                "Appointment/" + OperationNames.RECONCILE_ATTENDANCE,
                parameters("{\"name\":\"start\",\"valueDate\":\"2033-01-01\"}"),
                400,
                "start"),
            new Bad(
                "an inverted reconcile period",
                "Appointment/" + OperationNames.RECONCILE_ATTENDANCE,
                parameters(
                    "{\"name\":\"start\",\"valueDate\":\"2033-02-01\"}",
                    "{\"name\":\"end\",\"valueDate\":\"2033-01-01\"}"),
                422,
                "end"),
            new Bad(
                "a receipt of no claim",
                "Claim/" + OperationNames.MARK_RECEIVED,
                parameters(),
                400,
                "claim"),
            new Bad(
                "a receipt of a patient",
                "Claim/" + OperationNames.MARK_RECEIVED,
                parameters(reference("claim", "{p}")),
                400,
                "claim"),
            new Bad(
                "an inverted calendar",
                "GET {pr}/" + OperationNames.CALENDAR + "?start=2033-02-10&end=2033-02-01",
                null,
                400,
                "end"),
            new Bad(
                "a retention report without an end",
                "GET Group/" + OperationNames.RETENTION_REPORT + "?start=2033-01-01",
                null,
                400,
                "end"),
            new Bad(
                "an intake board of a patient",
                "GET Task/" + OperationNames.INTAKE_BOARD + "?owner={p}",
                null,
                400,
                "owner"),
            new Bad(
                "open seats for a group as patient",
                "GET Appointment/" + OperationNames.FIND + "?patient-reference={g}",
                null,
                400,
                "patient-reference"),
            new Bad(
                "a billing summary of a group that is no reference",
                "GET Appointment/"
                    + OperationNames.BILLING_SUMMARY
                    + "?start=2033-01&end=2033-01&group=nonsense",
                null,
                400,
                "group"))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusesBadInputNamingTheParameterAndWritesNothing(Bad bad) {
    String groupVersion = version(group, Group.class);
    String sessionVersion = version(session, Appointment.class);

    FhirHttp.Response response = send(bad);

    assertThat(response.status()).as(response.toString()).isEqualTo(bad.status());
    OperationOutcome outcome = response.outcome();
    assertThat(outcome.getIssue())
        .as(response.toString())
        .anySatisfy(
            issue ->
                assertThat(issue.getExpression())
                    .extracting(e -> e.getValue())
                    .contains("Parameters.parameter.where(name = '" + bad.parameter() + "')"));
    assertThat(response.diagnostics()).contains(bad.parameter());
    assertThat(version(group, Group.class)).isEqualTo(groupVersion);
    assertThat(version(session, Appointment.class)).isEqualTo(sessionVersion);
  }

  @Test
  void partialDatesMeanWholeMonthsNeverAServerError() {
    FhirHttp.Response summary =
        fhir.get("Appointment/" + OperationNames.BILLING_SUMMARY + "?start=2033-03&end=2033-03");
    assertThat(summary.status()).as(summary.toString()).isEqualTo(200);
    FhirHttp.Response report =
        fhir.get("Group/" + OperationNames.RETENTION_REPORT + "?start=2033&end=2033");
    assertThat(report.status()).as(report.toString()).isEqualTo(200);
    FhirHttp.Response calendar =
        fhir.get(practitioner + "/" + OperationNames.CALENDAR + "?start=2033-03&end=2033-03");
    assertThat(calendar.status()).as(calendar.toString()).isEqualTo(200);
    assertThat(calendar.body()).contains("2033-03-01").contains("2033-03-31");
  }

  private FhirHttp.Response send(Bad bad) {
    String path =
        bad.path()
            .replace("{g}", group)
            .replace("{a}", session)
            .replace("{pr}", practitioner)
            .replace("{p}", patient);
    if (path.startsWith("GET ")) {
      return fhir.get(path.substring(4));
    }
    String body =
        bad.body()
            .replace("{g}", group)
            .replace("{a}", session)
            .replace("{pr}", practitioner)
            .replace("{p}", patient);
    return fhir.post(path, body);
  }

  private <T extends org.hl7.fhir.r4.model.Resource> String version(String id, Class<T> type) {
    return fhir.get(id).resource(type).getMeta().getVersionId();
  }
}
