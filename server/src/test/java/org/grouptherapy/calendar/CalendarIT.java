package org.grouptherapy.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import net.fortuna.ical4j.data.CalendarBuilder;
import net.fortuna.ical4j.model.Calendar;
import net.fortuna.ical4j.model.component.VEvent;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** One calendar per practitioner and room, with conflicts marked, and its secret iCalendar feed. */
@IntegrationTest
class CalendarIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired org.grouptherapy.kernel.PracticeTime practiceTime;
  @Autowired org.grouptherapy.security.AuditTrail audit;
  @Autowired org.springframework.jdbc.core.JdbcTemplate jdbc;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String therapist;
  List<String> members;
  String group;
  String schedule;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Cedar", 10);
    therapist = practice.practitioner("Lindqvist", "Process groups");
    members = practice.patients("Calendared", 2);
    group = practice.createGroup("Process group", room, List.of(therapist), members, 8);
    Parameters series = new Parameters();
    series.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY;BYDAY=TU"));
    series.addParameter().setName("start").setValue(new StringType("2032-03-02T17:30"));
    series.addParameter().setName("durationMinutes").setValue(new IntegerType(90));
    series.addParameter().setName("count").setValue(new IntegerType(2));
    assertThat(fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, series).status())
        .isEqualTo(200);
    Schedule own = new Schedule();
    own.addActor(new Reference(therapist));
    schedule = fhir.create("Schedule", own);
  }

  @Test
  void aPractitionersCalendarMergesSessionsAndBlocksAndMarksConflicts() {
    block("supervision", "2032-03-02T09:00:00-05:00", "2032-03-02T10:00:00-05:00", "busy");
    block("working-hours", "2032-03-02T08:00:00-05:00", "2032-03-02T20:00:00-05:00", "free");
    // An overridden team meeting that overlaps the session.
    Slot meeting =
        slot("team-meeting", "2032-03-09T18:00:00-05:00", "2032-03-09T18:30:00-05:00", "busy");
    FhirHttp.Response booked =
        fhir.post(
            "Slot",
            fhir.encode(meeting),
            FhirHttp.FHIR_JSON,
            java.util.Map.of("X-Booking-Override-Reason", "All-hands cannot move"));
    assertThat(booked.status()).isEqualTo(201);

    Parameters calendar =
        fhir.get(therapist + "/" + OperationNames.CALENDAR + "?start=2032-03-01&end=2032-03-15")
            .resource(Parameters.class);

    List<Parameters.ParametersParameterComponent> entries =
        calendar.getParameter().stream().filter(p -> p.getName().equals("entry")).toList();
    assertThat(entries)
        .extracting(e -> part(e, "kind"))
        .containsExactly(
            "working-hours",
            "supervision",
            "prep",
            "session",
            "documentation",
            "prep",
            "session",
            "team-meeting",
            "documentation");
    assertThat(entries)
        .filteredOn(e -> part(e, "kind").equals("session"))
        .extracting(e -> part(e, "title"))
        .containsExactly("Process group, session 1", "Process group, session 2");
    assertThat(entries)
        .filteredOn(e -> part(e, "kind").equals("session"))
        .extracting(e -> part(e, "place"))
        .containsOnly("Cedar");
    assertThat(entries)
        .filteredOn(e -> "true".equals(part(e, "conflict")))
        .extracting(e -> part(e, "kind"))
        .containsExactly("session", "team-meeting");
    assertThat(calendar.getParameter("conflicts").getValue().primitiveValue()).isEqualTo("2");
    assertThat(fhir.encode(calendar)).doesNotContain("Calendared").doesNotContain(members.get(0));

    Parameters roomCalendar =
        fhir.get(room + "/" + OperationNames.CALENDAR + "?start=2032-03-01&end=2032-03-15")
            .resource(Parameters.class);
    assertThat(roomCalendar.getParameter().stream().filter(p -> p.getName().equals("entry")))
        .hasSize(2);
  }

  @Test
  void badCalendarRequestsAreRefused() {
    FhirHttp.Response inverted =
        fhir.get(therapist + "/" + OperationNames.CALENDAR + "?start=2032-03-10&end=2032-03-01");
    assertThat(inverted.status()).isEqualTo(400);
    assertThat(inverted.diagnostics()).contains("end");
    assertThat(
            fhir.get(therapist + "/" + OperationNames.CALENDAR + "?start=2032-01-01&end=2033-01-01")
                .status())
        .isEqualTo(422);
    assertThat(fhir.get("Practitioner/999999999/" + OperationNames.CALENDAR).status())
        .isEqualTo(404);
  }

  @Test
  void theFeedIsValidICalendarNamesNoMemberAndStopsWhenRevoked() throws Exception {
    java.time.OffsetDateTime tomorrow =
        java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)
            .plusDays(1)
            .truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    java.time.format.DateTimeFormatter instant =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
    block("supervision", tomorrow.format(instant), tomorrow.plusHours(1).format(instant), "busy");
    Parameters created =
        fhir.post(therapist + "/" + OperationNames.CALENDAR_FEED, new Parameters())
            .resource(Parameters.class);
    String url = created.getParameter("url").getValue().primitiveValue();
    assertThat(url).contains("/calendar/feeds/").endsWith(".ics");

    HttpResponse<String> feed = get(url);
    assertThat(feed.statusCode()).isEqualTo(200);
    assertThat(feed.headers().firstValue("Content-Type").orElse("")).startsWith("text/calendar");
    Calendar calendar = new CalendarBuilder().build(new StringReader(feed.body()));
    calendar.validate();
    // The feed covers 30 days back to 180 ahead: 2032 is outside, so add a session soon.
    assertThat(feed.body()).contains("BEGIN:VCALENDAR").contains("PRODID:");
    // Local times of the practice's zone, with its VTIMEZONE (the shared server's default zone).
    assertThat(feed.body())
        .contains("BEGIN:VTIMEZONE")
        .contains("TZID:America/New_York")
        .contains("DTSTART;TZID=America/New_York:");
    String[] events = feed.body().split("BEGIN:VEVENT");
    assertThat(events.length).as("events in the feed").isGreaterThan(1);
    for (int i = 1; i < events.length; i++) {
      assertThat(events[i].split("\r?\n"))
          .as("DTSTAMP lines of event %d", i)
          .filteredOn(line -> line.startsWith("DTSTAMP"))
          .hasSize(1);
    }
    for (String member : members) {
      String name = fhir.get(member).resource(Patient.class).getNameFirstRep().getFamily();
      assertThat(feed.body()).doesNotContain(name).doesNotContain(member);
    }

    Parameters rotated =
        fhir.post(therapist + "/" + OperationNames.CALENDAR_FEED, new Parameters())
            .resource(Parameters.class);
    assertThat(get(url).statusCode()).as("a new URL revokes the old").isEqualTo(404);
    String second = rotated.getParameter("url").getValue().primitiveValue();
    assertThat(get(second).statusCode()).isEqualTo(200);

    Parameters revoke = new Parameters();
    revoke.addParameter().setName("revoke").setValue(new BooleanType(true));
    assertThat(fhir.post(therapist + "/" + OperationNames.CALENDAR_FEED, revoke).status())
        .isEqualTo(200);
    assertThat(get(second).statusCode()).isEqualTo(404);
    assertThat(get(url.replaceAll("feeds/.*", "feeds/not-a-token.ics")).statusCode())
        .isEqualTo(404);
    audit.flush();
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM gt.audit_event WHERE entity = ? AND subtype = 'read'",
                Integer.class,
                therapist))
        .as("every feed read is audited")
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void theFeedListsSessionsInItsWindowWithCancellations() throws Exception {
    String soonGroup = practice.createGroup("Soon group", room, List.of(therapist), members, 8);
    java.time.LocalDate next = practiceTime.today().plusDays(3);
    Parameters series = new Parameters();
    series.addParameter().setName("rrule").setValue(new StringType("FREQ=DAILY"));
    series.addParameter().setName("start").setValue(new StringType(next + "T07:00"));
    series.addParameter().setName("durationMinutes").setValue(new IntegerType(60));
    series.addParameter().setName("count").setValue(new IntegerType(2));
    Parameters out =
        fhir.post(soonGroup + "/" + OperationNames.SCHEDULE_SERIES, series)
            .resource(Parameters.class);
    String first =
        ((org.hl7.fhir.r4.model.Bundle) out.getParameter("sessions").getResource())
            .getEntryFirstRep()
            .getResource()
            .getIdElement()
            .toUnqualifiedVersionless()
            .getValue();
    Parameters reason = new Parameters();
    reason.addParameter().setName("reason").setValue(new StringType("Room flooded"));
    assertThat(fhir.post(first + "/" + OperationNames.CANCEL_SESSION, reason).status())
        .isEqualTo(200);

    String url =
        fhir.post(room + "/" + OperationNames.CALENDAR_FEED, new Parameters())
            .resource(Parameters.class)
            .getParameter("url")
            .getValue()
            .primitiveValue();
    Calendar calendar = new CalendarBuilder().build(new StringReader(get(url).body()));

    List<VEvent> events = calendar.getComponents("VEVENT");
    assertThat(events)
        .extracting(e -> e.getSummary().getValue())
        .contains("Soon group, session 1", "Soon group, session 2");
    assertThat(events)
        .filteredOn(e -> e.getSummary().getValue().equals("Soon group, session 1"))
        .singleElement()
        .satisfies(e -> assertThat(e.getStatus().getValue()).isEqualTo("CANCELLED"));
  }

  @Test
  void aTherapistManagesOnlyTheirOwnFeed() {
    SmartAuth smart = new SmartAuth(port);
    FhirHttp other = fhir.withToken(smart.userToken("therapist1", "openid fhirUser user/*.cruds"));
    FhirHttp.Response denied =
        other.post(therapist + "/" + OperationNames.CALENDAR_FEED, new Parameters());
    assertThat(denied.status()).isEqualTo(403);
  }

  private void block(String type, String start, String end, String status) {
    assertThat(fhir.post("Slot", slot(type, start, end, status)).status()).isEqualTo(201);
  }

  private Slot slot(String type, String start, String end, String status) {
    Slot slot = new Slot();
    slot.getMeta().addProfile(TestPractice.BASE + "calendar-block");
    slot.setSchedule(new Reference(schedule)).setStatus(Slot.SlotStatus.fromCode(status));
    slot.addServiceType()
        .addCoding(
            new Coding(
                "http://grouptherapy.example.org/fhir/CodeSystem/calendar-block-type", type, null));
    slot.getStartElement().setValueAsString(start);
    slot.getEndElement().setValueAsString(end);
    return slot;
  }

  private static String part(Parameters.ParametersParameterComponent entry, String name) {
    return entry.getPart().stream()
        .filter(p -> p.getName().equals(name))
        .findFirst()
        .map(p -> p.getValue().primitiveValue())
        .orElse(null);
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
