package org.grouptherapy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The demo practice a newcomer sees on the first start. */
@IntegrationTest
class DemoPracticeIT {

  static final String DEMO_IDS = "http://grouptherapy.example.org/identifiers";

  /**
   * A moment before the demo practice was loaded: the test database is new with this JVM, and the
   * loader runs once the server starts in it. The suite runs for minutes after the load, so a test
   * that compares the demo's times with "now" has to allow for what happened in between.
   */
  static final Instant LOADED_AFTER =
      Instant.ofEpochMilli(
          java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired DemoPracticeLoader loader;
  @Autowired org.grouptherapy.kernel.PracticeTime practiceTime;
  @Autowired ca.uhn.fhir.validation.IValidatorModule validatorModule;
  @Autowired org.grouptherapy.fhir.ConformancePackage conformancePackage;
  FhirHttp fhir;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
  }

  @Test
  void loadsAPracticeWithSitesRoomsTherapistsGroupsPatientsAndCoverage() {
    assertThat(count("Organization?identifier=" + DEMO_IDS + "/organization|riverbend"))
        .isEqualTo(1);
    assertThat(count("Location?identifier=" + DEMO_IDS + "/location|")).isEqualTo(7);
    assertThat(count("Practitioner?identifier=" + DEMO_IDS + "/practitioner|")).isEqualTo(8);
    assertThat(count("PractitionerRole?identifier=" + DEMO_IDS + "/practitionerrole|"))
        .isEqualTo(8);
    assertThat(count("Patient?identifier=" + DEMO_IDS + "/patient|")).isEqualTo(50);
    assertThat(count("Coverage?identifier=" + DEMO_IDS + "/coverage|")).isEqualTo(40);
    assertThat(
            count(
                "Group?_profile=http://grouptherapy.example.org/fhir/StructureDefinition/therapy-group&identifier="
                    + DEMO_IDS
                    + "/group|"))
        .isEqualTo(6);
  }

  @Test
  void schedulesAMonthOfSessionsAroundToday() {
    Bundle sessions =
        fhir.get("Appointment?identifier=" + DEMO_IDS + "/appointment|&_count=100")
            .resource(Bundle.class);
    // 30 group sessions in the weeks around today, 8 more of the process group's history, and
    // 7 screenings.
    assertThat(sessions.getEntry()).hasSize(45);
    Instant now = Instant.now();
    for (Bundle.BundleEntryComponent entry : sessions.getEntry()) {
      Appointment session = (Appointment) entry.getResource();
      assertThat(Duration.between(now, session.getStart().toInstant()).abs())
          .isLessThan(Duration.ofDays(11 * 7 + 1));
      // The demo is a picture of the practice at the moment it was loaded: a session that ended
      // since then is still booked until somebody records its attendance.
      if (session.getEnd().toInstant().isBefore(LOADED_AFTER)) {
        assertThat(session.getStatus()).isEqualTo(Appointment.AppointmentStatus.FULFILLED);
      } else if (session.getEnd().toInstant().isAfter(now)) {
        assertThat(session.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);
      } else {
        assertThat(session.getStatus())
            .isIn(Appointment.AppointmentStatus.FULFILLED, Appointment.AppointmentStatus.BOOKED);
      }
    }
  }

  @Test
  void aNewcomerSeesALivedInCalendarOpenSeatsAndPendingRequests() {
    String okafor = demoId("Practitioner", "practitioner|practitioner-okafor");
    java.time.LocalDate monday =
        java.time.LocalDate.now(DemoSessionCalendar.PRACTICE_ZONE)
            .with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
    org.hl7.fhir.r4.model.Parameters calendar =
        fhir.get(
                okafor
                    + "/"
                    + OperationNames.CALENDAR
                    + "?start="
                    + monday
                    + "&end="
                    + monday.plusDays(7))
            .resource(org.hl7.fhir.r4.model.Parameters.class);
    java.util.Set<String> kinds = new java.util.HashSet<>();
    calendar.getParameter().stream()
        .filter(p -> p.getName().equals("entry"))
        .forEach(
            e ->
                e.getPart().stream()
                    .filter(p -> p.getName().equals("kind"))
                    .forEach(p -> kinds.add(p.getValue().primitiveValue())));
    assertThat(kinds)
        .contains(
            "session",
            "prep",
            "documentation",
            "working-hours",
            "team-meeting",
            "individual-therapy");
    assertThat(calendar.getParameter("conflicts").getValue().primitiveValue()).isEqualTo("0");

    Bundle virtual =
        fhir.get(
                "Appointment?identifier=http://grouptherapy.example.org/identifiers/series|demo-anxiety-psychoed")
            .resource(Bundle.class);
    assertThat(
            ((Appointment) virtual.getEntryFirstRep().getResource())
                .getExtensionByUrl(
                    "http://grouptherapy.example.org/fhir/StructureDefinition/session-join-url"))
        .isNotNull();
    assertThat(fhir.get("Appointment/" + OperationNames.FIND).resource(Bundle.class).getEntry())
        .isNotEmpty();
    assertThat(count("Task?status=requested&identifier=" + DEMO_IDS + "/task|")).isEqualTo(2);
    assertThat(count("Slot?identifier=" + DEMO_IDS + "/slot|")).isGreaterThan(200);
  }

  @Test
  void aNewcomerSeesPeopleAtEveryIntakeStageAFlaggedScreeningAndConsentsInEveryState() {
    Map<String, String> expected =
        Map.of(
            "ada", "referral-received",
            "gus", "referral-received",
            "bo", "screening-scheduled",
            "cyrus", "screening-done",
            "dee", "screening-done",
            "emil", "consents-signed",
            "fen", "consents-signed",
            "hana", "orientation-sent",
            "ivo", "first-session-attended",
            "jade", "closed-declined");
    Map<String, String> stages = new java.util.HashMap<>();
    for (String key : expected.keySet()) {
      String id = demoId("Patient", "patient|patient-intake-" + key);
      Bundle intake =
          fhir.get(
                  "Task?subject="
                      + id
                      + "&code=http://grouptherapy.example.org/fhir/CodeSystem/intake-codes|intake")
              .resource(Bundle.class);
      org.hl7.fhir.r4.model.Task task =
          (org.hl7.fhir.r4.model.Task) intake.getEntryFirstRep().getResource();
      stages.put(key, task.getBusinessStatus().getCodingFirstRep().getCode());
    }
    assertThat(stages).isEqualTo(expected);
    assertThat(
            fhir
                .get("Task/" + OperationNames.INTAKE_BOARD)
                .resource(Parameters.class)
                .getParameter()
                .stream()
                .filter(p -> "intake".equals(p.getName())))
        .hasSizeGreaterThanOrEqualTo(7);
    assertThat(count("Flag?subject:Patient.identifier=" + DEMO_IDS + "/patient|patient-intake-dee"))
        .isEqualTo(1);
    Set<String> consentStatuses =
        fhir
            .get("Consent?identifier=" + DEMO_IDS + "/consent|&_count=200")
            .resource(Bundle.class)
            .getEntry()
            .stream()
            .map(e -> ((Consent) e.getResource()).getStatus().toCode())
            .collect(Collectors.toSet());
    assertThat(consentStatuses).contains("active", "proposed", "rejected", "inactive");
    Parameters proposal =
        fhir.post("Group/" + OperationNames.PLACE_WAITLIST, new Parameters())
            .resource(Parameters.class);
    // The two screened people waiting for the full grief group are considered (placed elsewhere
    // or left waiting with a reason); other tests' waitlists may be in the same database.
    Set<String> considered =
        proposal.getParameter().stream()
            .filter(p -> Set.of("assignment", "unassigned").contains(p.getName()))
            .map(p -> p.getPart().stream().filter(x -> "patient".equals(x.getName())).findFirst())
            .filter(java.util.Optional::isPresent)
            .map(x -> ((org.hl7.fhir.r4.model.Reference) x.get().getValue()).getReference())
            .collect(Collectors.toSet());
    for (String mrn : List.of("RB100353", "RB100404")) {
      String id = demoId("Patient", "patient|patient-" + mrn);
      assertThat(considered).contains(id);
    }
  }

  @Test
  void aNewcomerReconcilesThePastSessionsFindsTheLeftProblemsAndGetsAPackage() {
    Parameters period = new Parameters();
    period
        .addParameter()
        .setName("start")
        .setValue(
            new org.hl7.fhir.r4.model.DateType(practiceTime.today().minusDays(35).toString()));
    period
        .addParameter()
        .setName("end")
        .setValue(new org.hl7.fhir.r4.model.DateType(practiceTime.today().toString()));
    Parameters reconciled =
        fhir.post("Appointment/" + OperationNames.RECONCILE_ATTENDANCE, period)
            .resource(Parameters.class);
    org.hl7.fhir.r4.model.OperationOutcome problems =
        (org.hl7.fhir.r4.model.OperationOutcome) reconciled.getParameter("outcome").getResource();
    assertThat(
            problems.getIssue().stream()
                .map(i -> i.getDetails().getCodingFirstRep().getCode())
                .collect(Collectors.toSet()))
        .contains("unsigned-note", "missing-note", "missing-diagnosis");
    assertThat(
            count("Claim?identifier=http://grouptherapy.example.org/identifiers/member-session|"))
        .isGreaterThan(10);
    Bundle pack =
        fhir.get(
                "Claim/"
                    + OperationNames.BILLING_PACKAGE
                    + "?payer=HRB01&start="
                    + practiceTime.today().minusDays(35)
                    + "&end="
                    + practiceTime.today())
            .resource(Bundle.class);
    assertThat(pack.getEntry().stream().filter(e -> e.getResource().fhirType().equals("Claim")))
        .isNotEmpty();
    // The tour's 837P: the demo practice has what a clearinghouse needs (tax id, ZIP+4, contact).
    FhirHttp.Response x12 =
        fhir.get(
            "Claim/"
                + OperationNames.BILLING_PACKAGE
                + "?payer=HRB01&start="
                + practiceTime.today().minusDays(35)
                + "&end="
                + practiceTime.today()
                + "&format=x12");
    assertThat(x12.status()).as(x12.toString()).isEqualTo(200);
  }

  /**
   * Every feature has something to show on the day of loading: memberships, consents and cohorts in
   * the weeks around it, retention at session 8, stale intakes, a feasible waitlist placement and a
   * substitute case.
   */
  @Test
  void aNewcomerSeesEveryFeatureWithDatesAroundTheDayOfLoading() {
    java.time.LocalDate today = practiceTime.today();
    // Consents were signed in the weeks before today and run for a year from about now.
    for (Bundle.BundleEntryComponent e :
        fhir.get("Consent?identifier=" + DEMO_IDS + "/consent|&status=active&_count=200")
            .resource(Bundle.class)
            .getEntry()) {
      Consent consent = (Consent) e.getResource();
      java.time.LocalDate signed =
          PracticeTimeDates.date(consent.getDateTimeElement().getValueAsString());
      assertThat(signed).isBetween(today.minusWeeks(16), today);
      if (consent.getProvision().getPeriod().hasEnd()) {
        // Expired on purpose (a person whose consent ran out), or in force for about a year.
        java.time.LocalDate end =
            java.time.LocalDate.parse(
                consent.getProvision().getPeriod().getEndElement().getValueAsString());
        assertThat(end.isBefore(today) || end.isAfter(today.plusWeeks(40)))
            .as("consent ends %s", end)
            .isTrue();
      }
    }
    // Memberships began weeks before today; closed groups' cohorts start in the weeks ahead.
    for (Bundle.BundleEntryComponent e :
        fhir.get("Group?identifier=" + DEMO_IDS + "/group|").resource(Bundle.class).getEntry()) {
      org.hl7.fhir.r4.model.Group group = (org.hl7.fhir.r4.model.Group) e.getResource();
      for (var member : group.getMember()) {
        assertThat(PracticeTimeDates.date(member.getPeriod().getStartElement().getValueAsString()))
            .isBetween(today.minusWeeks(12), today);
      }
      var cohort =
          group.getExtensionByUrl(
              "http://grouptherapy.example.org/fhir/StructureDefinition/group-cohort-start");
      if (cohort != null) {
        assertThat(java.time.LocalDate.parse(cohort.getValue().primitiveValue()))
            .isBetween(today, today.plusWeeks(10));
      }
    }
    // Retention at session 8 counts members who joined in the last three months.
    Parameters retention =
        fhir.get(
                "Group/"
                    + OperationNames.RETENTION_REPORT
                    + "?start="
                    + today.minusWeeks(13)
                    + "&end="
                    + today)
            .resource(Parameters.class);
    var overall = retention.getParameter().get(0).getPart();
    assertThat(
            overall.stream()
                .filter(p -> p.getName().equals("members"))
                .findFirst()
                .orElseThrow()
                .getValue()
                .primitiveValue())
        .isNotEqualTo("0");
    // Intakes waiting since their referral weeks ago are stale on the board.
    Parameters board = fhir.get("Task/" + OperationNames.INTAKE_BOARD).resource(Parameters.class);
    assertThat(Integer.parseInt(board.getParameter("stale").getValue().primitiveValue()))
        .isPositive();
    // The grief group has the seat its member left last week, and the people waiting have
    // somewhere to go: $place-waitlist proposes placements for them (the grief seat, unless
    // another test's group fits them better).
    Parameters proposal =
        fhir.post("Group/" + OperationNames.PLACE_WAITLIST, new Parameters())
            .resource(Parameters.class);
    java.util.Set<String> placed =
        proposal.getParameter().stream()
            .filter(p -> p.getName().equals("assignment"))
            .flatMap(p -> p.getPart().stream())
            .filter(p -> p.getName().equals("patient"))
            .map(p -> ((org.hl7.fhir.r4.model.Reference) p.getValue()).getReference())
            .collect(Collectors.toSet());
    assertThat(placed)
        .containsAnyOf(
            demoId("Patient", "patient|patient-RB100353"),
            demoId("Patient", "patient|patient-RB100404"));
    org.hl7.fhir.r4.model.Group grief =
        fhir.get(demoId("Group", "group|group-grief-support"))
            .resource(org.hl7.fhir.r4.model.Group.class);
    assertThat(grief.getMember().stream().filter(m -> !m.getPeriod().hasEnd())).hasSize(5);
    // Next Friday's CBT session is covered by a substitute, and the people in it were told.
    String covered = demoId("Appointment", "appointment|session-cbt-depression-12");
    String haddad = demoId("Practitioner", "practitioner|practitioner-haddad");
    assertThat(
            fhir.get(covered).resource(Appointment.class).getParticipant().stream()
                .map(p -> p.getActor().getReference()))
        .contains(haddad);
    assertThat(
            fhir
                .get("Communication?about=" + covered + "&_count=100")
                .resource(Bundle.class)
                .getEntry()
                .stream()
                .map(
                    e ->
                        ((org.hl7.fhir.r4.model.Communication) e.getResource())
                            .getTopic()
                            .getText()))
        .contains("Substitute facilitator");
  }

  /** Sessions of the next two days have their reminders from the first start. */
  @Test
  void aNewcomerSeesTheRemindersOfTheNextTwoDays() {
    Instant now = Instant.now();
    List<Appointment> soon =
        fhir
            .get("Appointment?identifier=" + DEMO_IDS + "/appointment|&status=booked&_count=100")
            .resource(Bundle.class)
            .getEntry()
            .stream()
            .map(e -> (Appointment) e.getResource())
            .filter(a -> a.getStart().toInstant().isAfter(now.plus(Duration.ofMinutes(10))))
            // Reminders went out at the load for the sessions of the next 48 hours from then.
            .filter(a -> a.getStart().toInstant().isBefore(LOADED_AFTER.plus(Duration.ofHours(47))))
            .toList();
    for (Appointment session : soon) {
      List<org.hl7.fhir.r4.model.Communication> reminders =
          fhir
              .get(
                  "Communication?about="
                      + session.getIdElement().toUnqualifiedVersionless().getValue()
                      + "&_count=100")
              .resource(Bundle.class)
              .getEntry()
              .stream()
              .map(e -> (org.hl7.fhir.r4.model.Communication) e.getResource())
              .filter(
                  c ->
                      org.grouptherapy.communication.SessionReminders.TOPIC.equals(
                          c.getTopic().getText()))
              .toList();
      assertThat(reminders).as("reminders of %s", session.getIdElement().getIdPart()).isNotEmpty();
    }
  }

  /**
   * The loader writes the demo as the server's own writes, without the validator at every first
   * start; so here every resource of the data set that claims one of the project's profiles is
   * validated against it, as a client's write would be.
   */
  @Test
  void everyDemoResourceConformsToTheProfileItClaims() throws Exception {
    var conformance = new org.grouptherapy.support.ProfileConformance(fhirContext, validatorModule);
    Set<String> profiles = conformancePackage.resourceProfileUrls();
    List<org.hl7.fhir.r4.model.Resource> profiled = new java.util.ArrayList<>();
    for (String file : List.of("demo/demo-practice.json", "demo/demo-intake.json")) {
      Bundle bundle;
      try (java.io.InputStream in =
          new org.springframework.core.io.ClassPathResource(file).getInputStream()) {
        bundle = fhirContext.newJsonParser().parseResource(Bundle.class, in);
      }
      DemoSessionCalendar.moveToWeekOf(fhirContext, bundle, Instant.now());
      collectProfiled(bundle, profiles, profiled);
    }
    assertThat(profiled).as("the demo uses the project's profiles").hasSizeGreaterThan(100);
    Map<String, List<String>> errors = new java.util.TreeMap<>();
    for (org.hl7.fhir.r4.model.Resource resource : profiled) {
      List<String> found = conformance.errors(resource);
      if (!found.isEmpty()) {
        errors.put(resource.fhirType() + " " + resource.getIdElement().getIdPart(), found);
      }
    }
    assertThat(errors).isEmpty();
  }

  private static void collectProfiled(
      Bundle bundle, Set<String> profiles, List<org.hl7.fhir.r4.model.Resource> into) {
    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
      org.hl7.fhir.r4.model.Resource resource = entry.getResource();
      if (resource instanceof Bundle nested) {
        collectProfiled(nested, profiles, into);
      } else if (resource != null
          && resource.getMeta().getProfile().stream()
              .anyMatch(p -> profiles.contains(p.getValue().split("\\|")[0]))) {
        into.add(resource);
      }
    }
  }

  @Test
  void loadingAgainAddsNothing() throws Exception {
    int before = count("Patient?identifier=" + DEMO_IDS + "/patient|");
    loader.run(new DefaultApplicationArguments());
    assertThat(count("Patient?identifier=" + DEMO_IDS + "/patient|")).isEqualTo(before);
  }

  /** The local date of a FHIR date or dateTime, in the practice's zone. */
  static final class PracticeTimeDates {
    static java.time.LocalDate date(String value) {
      return value.length() == 10
          ? java.time.LocalDate.parse(value)
          : java.time.OffsetDateTime.parse(value)
              .atZoneSameInstant(DemoSessionCalendar.PRACTICE_ZONE)
              .toLocalDate();
    }
  }

  /** The reference ("Patient/12") of the demo resource with this identifier (kind|value). */
  private String demoId(String type, String identifier) {
    return fhir.get(type + "?identifier=" + DEMO_IDS + "/" + identifier)
        .resource(Bundle.class)
        .getEntryFirstRep()
        .getResource()
        .getIdElement()
        .toUnqualifiedVersionless()
        .getValue();
  }

  private int count(String search) {
    Bundle bundle = fhir.get(search + "&_summary=count").resource(Bundle.class);
    return bundle.getTotal();
  }
}
