package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.grouptherapy.support.Waits;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** An EHR subscribes to Appointment changes with a REST hook and receives them over real HTTP. */
@IntegrationTest
class AppointmentSubscriptionIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired io.micrometer.core.instrument.MeterRegistry meters;
  FhirHttp fhir;
  HttpServer ehr;
  final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    fhir = new FhirHttp(port, fhirContext);
    ehr = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ehr.createContext(
        "/hook",
        exchange -> {
          received.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI().getPath()
                  + " "
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    ehr.start();
  }

  @AfterEach
  void tearDown() {
    ehr.stop(0);
  }

  @Test
  void changesToSessionsAreDeliveredToTheSubscribedEndpoint() throws Exception {
    TestPractice practice = new TestPractice(fhir);
    String room = practice.room("Hooked", 8);
    String therapist = practice.practitioner("Hooked");
    String group = practice.createGroup("Hooked group", room, List.of(therapist), List.of(), 8);
    Subscription subscription = new Subscription();
    subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
    subscription.setReason("EHR keeps its schedule in step");
    subscription.setCriteria("Appointment?supporting-info=" + group);
    subscription
        .getChannel()
        .setType(Subscription.SubscriptionChannelType.RESTHOOK)
        .setEndpoint("http://127.0.0.1:" + ehr.getAddress().getPort() + "/hook")
        .setPayload("application/fhir+json");
    String id = fhir.create("Subscription", subscription);
    await(
        () ->
            fhir.get(id).resource(Subscription.class).getStatus()
                == Subscription.SubscriptionStatus.ACTIVE);

    // A write no active Subscription can match is not queued for matching at all.
    double skippedBefore = skipped();
    practice.practitioner("Unsubscribed");
    assertThat(skipped()).isGreaterThan(skippedBefore);

    String session =
        fhir.create(
            "Appointment",
            TestPractice.session(
                group,
                "2032-08-02T18:00:00-04:00",
                "2032-08-02T19:00:00-04:00",
                room,
                List.of(therapist),
                List.of()));
    await(() -> received.stream().anyMatch(r -> r.contains(session.replace("Appointment/", ""))));

    Appointment stored = fhir.get(session).resource(Appointment.class);
    stored.setStatus(Appointment.AppointmentStatus.CANCELLED);
    stored.setCancelationReason(new CodeableConcept().setText("Room flooded"));
    fhir.put(session, stored);
    await(() -> received.stream().anyMatch(r -> r.contains("\"cancelled\"")));
    assertThat(received).allSatisfy(r -> assertThat(r).startsWith("PUT /hook/Appointment/"));
  }

  private double skipped() {
    return meters.counter("gt.subscription.writes.skipped").count();
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    Waits.eventually().until(condition::getAsBoolean);
  }
}
