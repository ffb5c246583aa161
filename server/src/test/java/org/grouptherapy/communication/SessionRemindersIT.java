package org.grouptherapy.communication;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestMailServer;
import org.grouptherapy.support.TestPractice;
import org.grouptherapy.support.TestSmsProvider;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Reminders before a session reach its members and facilitators once each, by email (GreenMail) and
 * text message (a local provider), with the join link and no other member named; not the member who
 * opted out, not the member who will not come, nothing for a cancelled session. Sessions are far in
 * the future, at a random minute, and the test runs the scan at moments it chooses, so no other
 * test's sessions are in the window.
 */
@IntegrationTest
class SessionRemindersIT {

  static final String JOIN = "https://video.example.org/reminders-room";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired SessionReminders reminders;
  FhirHttp fhir;
  TestPractice practice;

  @BeforeEach
  void setUp() {
    TestMailServer.start();
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
  }

  /** People of one session: who should hear, who should not, and their addresses. */
  record Cast(
      String facilitator,
      String texted,
      String mobile,
      String texterEmail,
      String optedOut,
      String skipping,
      String unreachable,
      String group) {}

  private Cast cast() {
    String facilitator = practice.practitioner("Remindful", "DBT");
    String texted = practice.patient("Texted");
    String mobile = "+1555" + (1000000 + ThreadLocalRandom.current().nextInt(8999999));
    Patient withMobile = fhir.get(texted).resource(Patient.class);
    withMobile.addTelecom().setSystem(ContactPoint.ContactPointSystem.SMS).setValue(mobile);
    fhir.put(texted, withMobile);
    String optedOut = practice.patient("Optedout");
    Patient quiet = fhir.get(optedOut).resource(Patient.class);
    quiet.addExtension(TestPractice.BASE + "session-reminders", new BooleanType(false));
    fhir.put(optedOut, quiet);
    String skipping = practice.patient("Skipping");
    String unreachable = practice.patientWithoutEmail("Unreachable");
    String group =
        practice.createGroup(
            "Reminded DBT Skills",
            null,
            List.of(facilitator),
            List.of(texted, optedOut, skipping, unreachable),
            10);
    String email =
        withMobile.getTelecom().stream()
            .filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.EMAIL)
            .findFirst()
            .orElseThrow()
            .getValue();
    return new Cast(facilitator, texted, mobile, email, optedOut, skipping, unreachable, group);
  }

  /**
   * A booked virtual session at a random minute of a far-away day; the skipping member declined.
   */
  private String session(Cast cast, Instant start, Appointment.AppointmentStatus status) {
    Appointment session =
        TestPractice.withJoinUrl(
            TestPractice.session(
                cast.group(),
                start.toString(),
                start.plus(Duration.ofMinutes(90)).toString(),
                null,
                List.of(cast.facilitator()),
                List.of(cast.texted(), cast.optedOut(), cast.skipping(), cast.unreachable())),
            JOIN);
    session.getParticipant().stream()
        .filter(p -> p.getActor().getReference().equals(cast.skipping()))
        .forEach(p -> p.setStatus(Appointment.ParticipationStatus.DECLINED));
    session.setStatus(status);
    if (status == Appointment.AppointmentStatus.CANCELLED) {
      session.getCancelationReason().setText("Facilitator unwell");
    }
    return fhir.create("Appointment", session);
  }

  private static Instant farAway() {
    return Instant.parse("2041-01-07T00:00:00Z")
        .plus(Duration.ofMinutes(ThreadLocalRandom.current().nextInt(60 * 24 * 3000)));
  }

  private List<Communication> reminders(String session) {
    return fhir
        .get("Communication?about=" + session + "&_count=100")
        .resource(Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (Communication) e.getResource())
        .filter(c -> SessionReminders.TOPIC.equals(c.getTopic().getText()))
        .toList();
  }

  private static List<String> recipients(List<Communication> communications) {
    return communications.stream()
        .map(c -> c.getRecipientFirstRep().getReference())
        .distinct()
        .sorted()
        .toList();
  }

  @Test
  void eachPersonIsRemindedOnceByEmailAndTextWithTheJoinLinkAndNoOtherMember() throws Exception {
    Cast cast = cast();
    Instant start = farAway();
    String session = session(cast, start, Appointment.AppointmentStatus.BOOKED);
    String cancelled =
        session(cast, start.plus(Duration.ofHours(3)), Appointment.AppointmentStatus.CANCELLED);

    // Four instances scan at the same moment, 47 hours before: one reminder each, not four.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<Integer>> scans = new ArrayList<>();
    Instant before48 = start.minus(Duration.ofHours(47));
    for (int i = 0; i < 4; i++) {
      scans.add(pool.submit((Callable<Integer>) () -> reminders.sendDue(before48)));
    }
    for (Future<Integer> scan : scans) {
      scan.get();
    }
    pool.shutdown();
    List<Communication> first = reminders(session);
    assertThat(recipients(first))
        .containsExactlyInAnyOrder(cast.facilitator(), cast.texted(), cast.unreachable())
        .doesNotContain(cast.optedOut(), cast.skipping());
    // The texted member: an email and a text message; the unreachable one: a call for the VA.
    assertThat(first).hasSize(4);
    assertThat(
            first.stream()
                .filter(c -> c.getRecipientFirstRep().getReference().equals(cast.texted())))
        .extracting(c -> c.getMediumFirstRep().getCodingFirstRep().getCode())
        .containsExactlyInAnyOrder("EMAILWRIT", "SMSWRIT");
    assertThat(
            first.stream()
                .filter(c -> c.getRecipientFirstRep().getReference().equals(cast.unreachable())))
        .singleElement()
        .satisfies(
            c -> assertThat(c.getStatus()).isEqualTo(Communication.CommunicationStatus.NOTDONE));
    assertThat(reminders(cancelled)).isEmpty();

    // Scanning again in the same window changes nothing.
    assertThat(reminders.sendDue(start.minus(Duration.ofHours(30)))).isZero();
    assertThat(reminders(session)).hasSize(4);

    // The email and the text message arrive, with the link, naming no other member.
    Waits.eventually().until(() -> !TestMailServer.receivedBy(cast.texterEmail()).isEmpty());
    MimeMessage mail = TestMailServer.receivedBy(cast.texterEmail()).get(0);
    assertThat(mail.getSubject()).isEqualTo("Reminder: Reminded DBT Skills");
    String body = String.valueOf(mail.getContent());
    assertThat(body).contains(JOIN).contains("America/New_York");
    for (String other : List.of(cast.optedOut(), cast.skipping(), cast.unreachable())) {
      assertThat(body)
          .doesNotContain(other)
          .doesNotContain(other.substring(other.indexOf('/') + 1));
    }
    assertThat(body)
        .doesNotContain("Optedout")
        .doesNotContain("Unreachable")
        .doesNotContain("Skipping");
    Waits.eventually().until(() -> !TestSmsProvider.receivedBy(cast.mobile()).isEmpty());
    TestSmsProvider.Sms sms = TestSmsProvider.receivedBy(cast.mobile()).get(0);
    assertThat(sms.body()).startsWith("Reminder: Reminded DBT Skills").contains(JOIN);
    assertThat(sms.authorization()).isEqualTo("Bearer " + TestSmsProvider.TOKEN);
    Waits.eventually()
        .until(
            () ->
                fhir.get(sms.reference()).resource(Communication.class).getStatus()
                    == Communication.CommunicationStatus.COMPLETED);

    // Ninety minutes before: the two-hour reminder, once more to each.
    reminders.sendDue(start.minus(Duration.ofMinutes(90)));
    assertThat(reminders(session)).hasSize(8);
    reminders.sendDue(start.minus(Duration.ofMinutes(60)));
    assertThat(reminders(session)).hasSize(8);
    Waits.eventually().until(() -> TestSmsProvider.receivedBy(cast.mobile()).size() == 2);
  }

  @Test
  void aSessionBookedLateGetsOnlyTheReminderWhoseTimeItIsAndAPastOneNone() {
    Cast cast = cast();
    Instant start = farAway();
    String session = session(cast, start, Appointment.AppointmentStatus.BOOKED);

    reminders.sendDue(start.minus(Duration.ofMinutes(100)));
    reminders.sendDue(start.minus(Duration.ofMinutes(10)));
    assertThat(reminders(session)).hasSize(4); // the two-hour reminder only, not a late 48-hour
    reminders.sendDue(start.plus(Duration.ofMinutes(5)));
    assertThat(reminders(session)).hasSize(4); // it has begun: nothing more
  }

  @Test
  void aMemberWhoSkipsAfterTheFirstReminderIsNotRemindedAgain() {
    Cast cast = cast();
    Instant start = farAway();
    String session = session(cast, start, Appointment.AppointmentStatus.BOOKED);
    reminders.sendDue(start.minus(Duration.ofHours(40)));
    assertThat(recipients(reminders(session))).contains(cast.texted());

    Appointment changed = fhir.get(session).resource(Appointment.class);
    changed.getParticipant().stream()
        .filter(p -> p.getActor().getReference().equals(cast.texted()))
        .forEach(p -> p.setStatus(Appointment.ParticipationStatus.DECLINED));
    fhir.put(session, changed);
    reminders.sendDue(start.minus(Duration.ofMinutes(90)));
    long toTexted =
        reminders(session).stream()
            .filter(c -> c.getRecipientFirstRep().getReference().equals(cast.texted()))
            .count();
    assertThat(toTexted).isEqualTo(2); // the first reminder's email and text only
  }
}
