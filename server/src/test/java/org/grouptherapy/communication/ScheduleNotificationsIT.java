package org.grouptherapy.communication;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.TestMailServer;
import org.grouptherapy.support.TestPractice;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UrlType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every schedule change reaches the people it touches: a Communication each, delivered by email
 * through the outbox to a real SMTP server (GreenMail), retried while SMTP is down, sent once.
 */
@IntegrationTest
class ScheduleNotificationsIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired JdbcTemplate jdbc;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String primary;
  String co;

  @BeforeEach
  void setUp() {
    TestMailServer.start();
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Willow", 10);
    primary = practice.practitioner("Okafor", "DBT");
    co = practice.practitioner("Haddad", "DBT");
  }

  @Test
  void aNewSeriesEmailsMembersFacilitatorsAndReferrersAndMarksEachCommunicationSent()
      throws Exception {
    List<String> members = practice.patients("Notified", 2);
    Practitioner referrer = new Practitioner();
    referrer.addName().setFamily("Referrer");
    referrer
        .addTelecom()
        .setSystem(ContactPoint.ContactPointSystem.EMAIL)
        .setValue("referrer-" + java.util.UUID.randomUUID() + "@clinic.example.org");
    String referrerId = fhir.create("Practitioner", referrer);
    ServiceRequest referral = new ServiceRequest();
    referral
        .setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE)
        .setIntent(ServiceRequest.ServiceRequestIntent.ORDER)
        .setSubject(new Reference(members.get(0)))
        .setRequester(new Reference(referrerId));
    referral.getCode().setText("Group psychotherapy");
    fhir.create("ServiceRequest", referral);
    String group = practice.createGroup("Notified group", room, List.of(primary, co), members, 8);

    assertThat(schedule(group, "2032-02-02T18:00", 3).status()).isEqualTo(200);

    List<Communication> communications = communications(group);
    assertThat(communications).hasSize(5);
    assertThat(communications)
        .extracting(c -> c.getRecipientFirstRep().getReference())
        .containsExactlyInAnyOrder(members.get(0), members.get(1), primary, co, referrerId);
    await(
        () ->
            communications(group).stream()
                .allMatch(c -> c.getStatus() == Communication.CommunicationStatus.COMPLETED));
    assertThat(communications(group)).allSatisfy(c -> assertThat(c.getSent()).isNotNull());

    String memberAddress = email(members.get(0));
    List<MimeMessage> mail = TestMailServer.receivedBy(memberAddress);
    assertThat(mail).hasSize(1);
    assertThat(mail.get(0).getSubject()).isEqualTo("New group sessions: Notified group");
    String body = mail.get(0).getContent().toString();
    assertThat(body).contains("Monday 2 February 2032, 18:00-19:30 (America/New_York), Willow");
    assertThat(body)
        .as("a member's message names no other member")
        .doesNotContain(members.get(1))
        .doesNotContain(email(members.get(1)))
        .doesNotContain("Notified1");
    String referrerBody =
        TestMailServer.receivedBy(referrer.getTelecomFirstRep().getValue())
            .get(0)
            .getContent()
            .toString();
    assertThat(referrerBody)
        .contains("A person you referred")
        .contains(members.get(0))
        .doesNotContain(members.get(1));
  }

  @Test
  void virtualSessionInvitationsCarryTheJoinLink() throws Exception {
    String member = practice.patient("Virtual");
    Group virtual =
        practice.group(
            "Virtual group", practice.virtualPlatform(), List.of(primary), List.of(member), 8);
    virtual.addExtension(
        TestPractice.BASE + "group-join-url", new UrlType("https://video.example.org/g/abc"));
    String group = fhir.create("Group", virtual);

    assertThat(schedule(group, "2032-02-03T12:00", 1).status()).isEqualTo(200);

    await(() -> !TestMailServer.receivedBy(email(member)).isEmpty());
    assertThat(TestMailServer.receivedBy(email(member)).get(0).getContent().toString())
        .contains("Join online: https://video.example.org/g/abc");
  }

  @Test
  void whileSmtpIsDownMessagesWaitAndAreRetriedThenSentOnce() throws Exception {
    String member = practice.patient("Retry");
    String group = practice.createGroup("Retry group", room, List.of(primary), List.of(member), 8);
    TestMailServer.stop();
    try {
      assertThat(schedule(group, "2032-02-04T18:00", 1).status()).isEqualTo(200);
      String communication =
          communicationTo(group, member).getIdElement().toUnqualifiedVersionless().getValue();
      await(() -> attempts(communication) >= 2);
      assertThat(status(communication)).isEqualTo("pending");
      assertThat(communicationTo(group, member).getStatus())
          .isEqualTo(Communication.CommunicationStatus.PREPARATION);
    } finally {
      TestMailServer.start();
    }
    await(
        () ->
            communicationTo(group, member).getStatus()
                == Communication.CommunicationStatus.COMPLETED);
    // Delivered once, and still once after more dispatch rounds.
    Awaitility.await()
        .during(Duration.ofSeconds(1))
        .atMost(Waits.PATIENCE)
        .until(() -> TestMailServer.receivedBy(email(member)).size() == 1);
  }

  @Test
  void aVaSendsAgainAMessageTheOutboxGaveUpOnOnceAndNeverADeliveredOne() {
    String member = practice.patient("Giveup");
    String group =
        practice.createGroup("Give-up group", room, List.of(primary), List.of(member), 8);
    String communication;
    TestMailServer.stop();
    try {
      assertThat(schedule(group, "2032-02-09T18:00", 1).status()).isEqualTo(200);
      communication =
          communicationTo(group, member).getIdElement().toUnqualifiedVersionless().getValue();
      await(() -> attempts(communication) >= 1);
      // As the outbox leaves a message after its last attempt: failed, the Communication stopped.
      jdbc.update(
          "UPDATE gt.outbox_message SET status = 'failed', attempts = 8, last_error = 'refused'"
              + " WHERE communication = ?",
          communication);
      Communication stopped = fhir.get(communication).resource(Communication.class);
      stopped.setStatus(Communication.CommunicationStatus.STOPPED);
      stopped.getStatusReason().setText("Email could not be delivered after 8 attempts");
      assertThat(fhir.put(communication, stopped).status()).isEqualTo(200);
    } finally {
      TestMailServer.start();
    }
    SmartAuth auth = new SmartAuth(port);
    FhirHttp anonymous = new FhirHttp(port, fhirContext, null);
    FhirHttp va = anonymous.withToken(auth.userToken("va", "openid user/*.cruds"));
    FhirHttp therapist =
        anonymous.withToken(auth.userToken("therapist1", "openid fhirUser user/*.cruds"));
    String retry = communication + "/" + OperationNames.RETRY;

    assertThat(therapist.post(retry, new Parameters()).status()).isEqualTo(403);
    FhirHttp.Response first = va.post(retry, new Parameters());
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.resource(Parameters.class).getParameter("status").getValue().primitiveValue())
        .isEqualTo("in-progress");
    // A second click while it is on its way queues nothing more.
    FhirHttp.Response again = va.post(retry, new Parameters());
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.diagnostics()).containsAnyOf("still being sent", "delivered already");

    await(
        () ->
            communicationTo(group, member).getStatus()
                == Communication.CommunicationStatus.COMPLETED);
    assertThat(communicationTo(group, member).hasStatusReason()).isFalse();
    Awaitility.await()
        .during(Duration.ofSeconds(1))
        .atMost(Waits.PATIENCE)
        .until(() -> TestMailServer.receivedBy(email(member)).size() == 1);
    FhirHttp.Response delivered = va.post(retry, new Parameters());
    assertThat(delivered.status()).isEqualTo(409);
    assertThat(delivered.diagnostics()).contains("delivered already");
    assertThat(attempts(communication)).isEqualTo(1);
  }

  @Test
  void aMessageNeverQueuedCannotBeRetried() {
    String member = practice.patientWithoutEmail("Neverqueued");
    String group =
        practice.createGroup("Unqueued group", room, List.of(primary), List.of(member), 8);
    assertThat(schedule(group, "2032-02-10T18:00", 1).status()).isEqualTo(200);
    String communication =
        communicationTo(group, member).getIdElement().toUnqualifiedVersionless().getValue();
    FhirHttp.Response response =
        fhir.post(communication + "/" + OperationNames.RETRY, new Parameters());
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.diagnostics()).contains("never queued");
    assertThat(
            fhir.post("Communication/does-not-exist/" + OperationNames.RETRY, new Parameters())
                .status())
        .isEqualTo(404);
  }

  @Test
  void someoneWithoutAnEmailAddressIsMarkedForAPhoneCall() {
    String member = practice.patientWithoutEmail("Phoneonly");
    String group = practice.createGroup("Phone group", room, List.of(primary), List.of(member), 8);

    assertThat(schedule(group, "2032-02-05T18:00", 1).status()).isEqualTo(200);

    Communication communication = communicationTo(group, member);
    assertThat(communication.getStatus()).isEqualTo(Communication.CommunicationStatus.NOTDONE);
    assertThat(communication.getStatusReason().getText()).contains("No email address");
  }

  @Test
  void aRefusedChangeSendsNothing() {
    String member = practice.patient("Refused");
    String group =
        practice.createGroup("Refused group", room, List.of(primary), List.of(member), 8);
    fhir.create(
        "Appointment",
        TestPractice.session(
            group,
            "2032-02-06T18:00:00-05:00",
            "2032-02-06T19:00:00-05:00",
            room,
            List.of(),
            List.of()));

    assertThat(schedule(group, "2032-02-06T18:00", 1).status()).isEqualTo(409);

    assertThat(communications(group)).isEmpty();
  }

  private FhirHttp.Response schedule(String group, String start, int count) {
    Parameters input = new Parameters();
    input.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY"));
    input.addParameter().setName("start").setValue(new StringType(start));
    input.addParameter().setName("durationMinutes").setValue(new IntegerType(90));
    input.addParameter().setName("count").setValue(new IntegerType(count));
    return fhir.post(group + "/" + OperationNames.SCHEDULE_SERIES, input);
  }

  private List<Communication> communications(String group) {
    return fhir
        .get("Communication?about=" + group + "&_count=100")
        .resource(Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (Communication) e.getResource())
        .toList();
  }

  private Communication communicationTo(String group, String recipient) {
    return communications(group).stream()
        .filter(c -> c.getRecipientFirstRep().getReference().equals(recipient))
        .findFirst()
        .orElseThrow();
  }

  private String email(String patient) {
    return fhir.get(patient).resource(Patient.class).getTelecom().stream()
        .filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.EMAIL)
        .findFirst()
        .map(ContactPoint::getValue)
        .orElseThrow();
  }

  private int attempts(String communication) {
    return jdbc.queryForObject(
        "SELECT attempts FROM gt.outbox_message WHERE communication = ?",
        Integer.class,
        communication);
  }

  private String status(String communication) {
    return jdbc.queryForObject(
        "SELECT status FROM gt.outbox_message WHERE communication = ?",
        String.class,
        communication);
  }

  private static void await(BooleanSupplier condition) {
    Waits.eventually().until(condition::getAsBoolean);
  }
}
