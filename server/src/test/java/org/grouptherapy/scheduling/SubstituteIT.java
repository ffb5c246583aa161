package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.List;
import java.util.Optional;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.SchedulingCodes;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** $find-substitute ranks who may cover and why; $assign-substitute swaps atomically. */
@IntegrationTest
class SubstituteIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired org.grouptherapy.system.AppProperties properties;
  @Autowired org.springframework.jdbc.core.JdbcTemplate jdbc;
  @Autowired org.grouptherapy.kernel.CalendarDirectory directory;
  @Autowired ca.uhn.fhir.jpa.api.dao.DaoRegistry daos;
  @Autowired org.grouptherapy.kernel.access.Callers callers;
  @Autowired WorkingHours hours;
  @Autowired org.grouptherapy.kernel.PracticeTime time;
  @Autowired BookingLedger ledger;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String primary;
  String co;
  String group;
  String session;
  String knownBefore;
  String onLeave;
  String griefOnly;
  String nearlyFull;
  String daytime;
  String evenings;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Willow", 10);
    primary = practice.practitioner("Primary", "DBT");
    co = practice.practitioner("Cofacilitator", "DBT");
    knownBefore = practice.practitioner("Known", "DBT skills");
    onLeave = practice.practitioner("Onleave", "DBT");
    griefOnly = practice.practitioner("Grief", "Grief and loss");
    nearlyFull = practice.practitioner("Nearlyfull", 2, "DBT");
    daytime = practice.practitionerWorking("Daytime", 40, "mon,tue,wed,thu,fri 09:00-17:00", "DBT");
    evenings = practice.practitionerWorking("Evenings", 40, "mon,thu 16:00-21:00", "DBT");
    List<String> members = practice.patients("Covered", 2);
    Group dbt = practice.group("DBT covered", room, List.of(primary, co), members, 8);
    dbt.getCode().getCodingFirstRep().setCode("dbt-skills");
    group = fhir.create("Group", dbt);

    Appointment earlier =
        TestPractice.session(
            group,
            "2032-03-29T18:00:00-04:00",
            "2032-03-29T19:30:00-04:00",
            room,
            List.of(),
            List.of());
    earlier
        .addParticipant()
        .setActor(new Reference(knownBefore))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED)
        .addType()
        .addCoding(new Coding(SchedulingCodes.PARTICIPATION_SYSTEM, "PPRF", null));
    fhir.create("Appointment", earlier);

    practice.block(onLeave, "pto", "2032-04-05T00:00:00-04:00", "2032-04-06T00:00:00-04:00");
    practice.block(
        nearlyFull, "supervision", "2032-04-06T09:00:00-04:00", "2032-04-06T10:00:00-04:00");

    Parameters series = new Parameters();
    series.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY"));
    series.addParameter().setName("start").setValue(new StringType("2032-04-05T18:00"));
    series.addParameter().setName("durationMinutes").setValue(new IntegerType(90));
    series.addParameter().setName("count").setValue(new IntegerType(1));
    Parameters out =
        fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, series).resource(Parameters.class);
    session =
        ((Bundle) out.getParameter("sessions").getResource())
            .getEntryFirstRep()
            .getResource()
            .getIdElement()
            .toUnqualifiedVersionless()
            .getValue();
  }

  @Test
  void candidatesAreRankedWithReasonsAndTheUnavailableAreExcludedWithWhy() {
    FhirHttp.Response response = fhir.get(session + "/" + OperationNames.FIND_SUBSTITUTE);

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Parameters ranking = response.resource(Parameters.class);
    assertThat(ranking.getParameter("replacing").getValue()).isInstanceOf(Reference.class);
    List<String> candidates =
        ranking.getParameter().stream()
            .filter(p -> p.getName().equals("candidate"))
            .map(p -> ((Reference) part(p, "practitioner").getValue()).getReference())
            .toList();
    assertThat(candidates).as(response.body()).isNotEmpty();
    assertThat(candidates.get(0)).isEqualTo(knownBefore);
    assertThat(candidates).contains(griefOnly).doesNotContain(primary, co, onLeave, nearlyFull);
    assertThat(candidates.indexOf(griefOnly)).isGreaterThan(0);
    Parameters.ParametersParameterComponent best =
        ranking.getParameter().stream()
            .filter(p -> p.getName().equals("candidate"))
            .findFirst()
            .orElseThrow();
    assertThat(best.getPart())
        .filteredOn(p -> p.getName().equals("reason"))
        .extracting(p -> p.getValue().primitiveValue())
        .contains(
            "Specialty fits the group's modality (dbt-skills)",
            "Has facilitated this group before (1 sessions)",
            "Works at the group's site");
    assertThat(excludedReason(ranking, onLeave)).contains("On leave").doesNotContain("Busy");
    assertThat(candidates).contains(evenings).doesNotContain(daytime);
    assertThat(excludedReason(ranking, daytime))
        .contains("Outside working hours")
        .contains("Mon, Tue, Wed, Thu, Fri 09:00-17:00")
        .contains("Mon 18:00-19:30");
    assertThat(excludedReason(ranking, nearlyFull)).contains("over the 2.0 h limit");
    assertThat(fhir.get(session + "/" + OperationNames.FIND_SUBSTITUTE).body())
        .as("deterministic")
        .isEqualTo(response.body());
  }

  @Test
  void assigningASubstituteSwapsTheFacilitatorMovesTheBlocksAndTellsEveryone() {
    Parameters assign = new Parameters();
    assign.addParameter().setName("substitute").setValue(new Reference(knownBefore));
    assign.addParameter().setName("reason").setValue(new StringType("Primary at a conference"));

    FhirHttp.Response response =
        fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, assign);

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Appointment stored = fhir.get(session).resource(Appointment.class);
    assertThat(stored.getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(knownBefore, co)
        .doesNotContain(primary);
    List<Slot> blocks =
        fhir
            .get("Slot?block-for=" + session + "&_include=Slot:schedule")
            .resource(Bundle.class)
            .getEntry()
            .stream()
            .filter(e -> e.getResource() instanceof Slot)
            .map(e -> (Slot) e.getResource())
            .toList();
    assertThat(blocks).hasSize(4);
    List<String> owners =
        fhir
            .get("Slot?block-for=" + session + "&_include=Slot:schedule")
            .resource(Bundle.class)
            .getEntry()
            .stream()
            .filter(e -> e.getResource() instanceof Schedule)
            .map(e -> ((Schedule) e.getResource()).getActorFirstRep().getReference())
            .toList();
    assertThat(owners).containsExactlyInAnyOrder(knownBefore, co);
    List<String> told = practice.told(session, "Substitute facilitator");
    assertThat(told).contains(primary, co, knownBefore).hasSize(5);
    // The replaced facilitator is free at that time now.
    assertThat(
            fhir.post(
                    "Appointment",
                    TestPractice.session(
                        group,
                        "2032-04-05T18:00:00-04:00",
                        "2032-04-05T19:00:00-04:00",
                        null,
                        List.of(primary),
                        List.of()))
                .status())
        .isEqualTo(201);
  }

  @Test
  void aSubstituteAssignedOutsideTheirWorkingHoursIsCoveredWithAWarningNamingTheHours() {
    Parameters assign = new Parameters();
    assign.addParameter().setName("substitute").setValue(new Reference(daytime));
    assign.addParameter().setName("replacing").setValue(new Reference(primary));
    FhirHttp.Response response =
        fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, assign);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    org.hl7.fhir.r4.model.OperationOutcome outcome =
        (org.hl7.fhir.r4.model.OperationOutcome)
            response.resource(Parameters.class).getParameter("outcome").getResource();
    assertThat(outcome.getIssueFirstRep().getSeverity())
        .isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.WARNING);
    assertThat(outcome.getIssueFirstRep().getDiagnostics())
        .startsWith("Outside working hours: " + daytime)
        .contains("09:00-17:00");
  }

  @Test
  void aSubstituteAlreadyOnTheSessionOrBusyIsRefusedAndNothingChanges() {
    Parameters withCo = new Parameters();
    withCo.addParameter().setName("substitute").setValue(new Reference(co));
    FhirHttp.Response refused = fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, withCo);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains("already facilitates");

    Parameters busy = new Parameters();
    busy.addParameter().setName("substitute").setValue(new Reference(onLeave));
    FhirHttp.Response conflict = fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, busy);
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.diagnostics()).contains(onLeave).contains("(pto)");

    Parameters missing = new Parameters();
    assertThat(fhir.post(session + "/" + OperationNames.ASSIGN_SUBSTITUTE, missing).status())
        .isEqualTo(400);

    Appointment stored = fhir.get(session).resource(Appointment.class);
    assertThat(stored.getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(primary, co);
    assertThat(stored.getMeta().getVersionId()).isEqualTo("1");
  }

  @Test
  void aSeriesOutsideAFacilitatorsWorkingHoursIsBookedWithAWarningNamingTheHours() {
    String dayGroup =
        practice.createGroup(
            "Daytime-led group", room, List.of(daytime), practice.patients("Dayled", 2), 8);
    Parameters series = new Parameters();
    series.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY"));
    series.addParameter().setName("start").setValue(new StringType("2032-06-07T18:30"));
    series.addParameter().setName("durationMinutes").setValue(new IntegerType(60));
    series.addParameter().setName("count").setValue(new IntegerType(2));
    FhirHttp.Response booked = fhir.post(dayGroup + "/" + OperationNames.SCHEDULE_SERIES, series);
    assertThat(booked.status()).as(booked.toString()).isEqualTo(200);
    org.hl7.fhir.r4.model.OperationOutcome outcome =
        (org.hl7.fhir.r4.model.OperationOutcome)
            booked.resource(Parameters.class).getParameter("outcome").getResource();
    assertThat(outcome.getIssue())
        .filteredOn(
            i -> i.getSeverity() == org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.WARNING)
        .extracting(i -> i.getDiagnostics())
        .anyMatch(
            d ->
                d.startsWith("Outside working hours: " + daytime)
                    && d.contains("09:00-17:00")
                    && d.contains("Mon 18:30-19:30")
                    && d.contains("sessions 1, 2"));

    series.getParameter().removeIf(p -> p.getName().equals("start"));
    series.addParameter().setName("start").setValue(new StringType("2032-06-14T10:00"));
    FhirHttp.Response inHours = fhir.post(dayGroup + "/" + OperationNames.SCHEDULE_SERIES, series);
    assertThat(inHours.status()).as(inHours.toString()).isEqualTo(200);
    assertThat(inHours.body()).doesNotContain("Outside working hours");
  }

  /**
   * With {@code app.scheduling.outside-working-hours=conflict}, the same session is a booking
   * conflict naming the hours; with the default (warn), the ledger lets it through. The ledger is
   * built here with the practice's other setting, on the server's own database and DAOs (one shared
   * context: no per-class properties).
   */
  @Test
  void whenThePracticeSaysSoASessionOutsideWorkingHoursIsAConflict() {
    String dayGroup =
        practice.createGroup(
            "Strict hours group", room, List.of(daytime), practice.patients("Strictled", 2), 8);
    Appointment evening =
        TestPractice.session(
            dayGroup,
            "2033-03-07T18:30:00-05:00",
            "2033-03-07T19:30:00-05:00",
            room,
            List.of(daytime),
            List.of());
    org.grouptherapy.system.AppProperties strict =
        new org.grouptherapy.system.AppProperties(
            properties.database(),
            properties.fhir(),
            properties.demo(),
            properties.security(),
            new org.grouptherapy.system.AppProperties.Scheduling(
                properties.scheduling().defaultTimeZone(),
                true,
                org.grouptherapy.system.AppProperties.OutsideWorkingHours.CONFLICT),
            properties.notifications(),
            properties.intake(),
            properties.billing(),
            properties.attendance(),
            properties.reminders(),
            properties.waitlist());
    BookingLedger strictLedger =
        new BookingLedger(jdbc, directory, daos, callers, strict, hours, time);
    var request = new ca.uhn.fhir.rest.api.server.SystemRequestDetails();
    assertThat(strictLedger.check(evening, java.util.Set.of(), request))
        .anyMatch(p -> p.startsWith(daytime + " works") && p.contains("09:00-17:00"));
    assertThat(ledger.check(evening, java.util.Set.of(), request))
        .noneMatch(p -> p.contains(daytime + " works"));
  }

  private static Parameters.ParametersParameterComponent part(
      Parameters.ParametersParameterComponent parameter, String name) {
    return parameter.getPart().stream()
        .filter(p -> p.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static String excludedReason(Parameters ranking, String practitioner) {
    Optional<Parameters.ParametersParameterComponent> excluded =
        ranking.getParameter().stream()
            .filter(p -> p.getName().equals("excluded"))
            .filter(
                p ->
                    ((Reference) part(p, "practitioner").getValue())
                        .getReference()
                        .equals(practitioner))
            .findFirst();
    assertThat(excluded).as("%s excluded", practitioner).isPresent();
    return part(excluded.get(), "reason").getValue().primitiveValue();
  }
}
