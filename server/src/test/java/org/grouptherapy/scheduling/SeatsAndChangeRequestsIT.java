package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/** Open seats through IHE ITI $find/$hold/$book, and members' skip and make-up requests. */
@IntegrationTest
class SeatsAndChangeRequestsIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired JdbcTemplate jdbc;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String therapist;
  List<String> members;
  String group;
  String session;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Birch", 10);
    therapist = practice.practitioner("Seatkeeper", "Process groups");
    members = practice.patients("Seated", 2);
    group = practice.createGroup("Open process group", room, List.of(therapist), members, 3);
    session = firstSession(group, "2032-05-04T18:00", 1);
  }

  @Test
  void anEhrFindsHoldsAndBooksTheLastSeatForAMember() {
    String newcomer = practice.patient("Newcomer");

    Bundle found =
        fhir.get(
                "Appointment/"
                    + OperationNames.FIND
                    + "?start=2032-05-04T00:00:00Z&end=2032-05-05T00:00:00Z"
                    + "&patient-reference="
                    + newcomer
                    + "&practitioner="
                    + therapist)
            .resource(Bundle.class);
    assertThat(found.getEntry()).hasSize(1);
    Appointment proposal = (Appointment) found.getEntryFirstRep().getResource();
    assertThat(proposal.getStatus()).isEqualTo(Appointment.AppointmentStatus.PROPOSED);
    assertThat(proposal.getDescription()).contains("1 open seat");
    assertThat(proposal.getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(newcomer, therapist)
        .doesNotContain(members.get(0), members.get(1));

    Parameters hold = new Parameters();
    hold.addParameter().setName("appointment-resource").setResource(proposal);
    FhirHttp.Response held = fhir.post("Appointment/" + OperationNames.HOLD, hold);
    assertThat(held.status()).as(held.toString()).isEqualTo(200);
    Appointment pending =
        (Appointment) held.resource(Bundle.class).getEntryFirstRep().getResource();
    assertThat(pending.getStatus()).isEqualTo(Appointment.AppointmentStatus.PENDING);

    // The held seat is not offered to anyone else.
    assertThat(
            fhir.get(
                    "Appointment/"
                        + OperationNames.FIND
                        + "?start=2032-05-04T00:00:00Z&end=2032-05-05T00:00:00Z"
                        + "&practitioner="
                        + therapist)
                .resource(Bundle.class)
                .getEntry())
        .isEmpty();

    Parameters book = new Parameters();
    book.addParameter().setName("appointment-resource").setResource(pending);
    FhirHttp.Response booked = fhir.post("Appointment/" + OperationNames.BOOK, book);
    assertThat(booked.status()).as(booked.toString()).isEqualTo(200);
    assertThat(fhir.get(session).resource(Appointment.class).getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(newcomer);
    assertThat(fhir.post("Appointment/" + OperationNames.BOOK, book).status())
        .as("a hold is used once")
        .isEqualTo(409);
  }

  @Test
  void anExpiredHoldCannotBeBooked() {
    String late = practice.patient("Late");
    Parameters hold = new Parameters();
    hold.addParameter().setName("appointment-reference").setValue(new Reference(session));
    hold.addParameter().setName("patient-reference").setValue(new Reference(late));
    Appointment pending =
        (Appointment)
            fhir.post("Appointment/" + OperationNames.HOLD, hold)
                .resource(Bundle.class)
                .getEntryFirstRep()
                .getResource();
    jdbc.update(
        "UPDATE gt.seat_hold SET expires_at = now() - interval '1 minute' WHERE id = ?::uuid",
        pending.getIdentifierFirstRep().getValue());

    Parameters book = new Parameters();
    book.addParameter().setName("appointment-resource").setResource(pending);
    FhirHttp.Response refused = fhir.post("Appointment/" + OperationNames.BOOK, book);

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains("expired");
    assertThat(fhir.get(session).resource(Appointment.class).getParticipant())
        .extracting(p -> p.getActor().getReference())
        .doesNotContain(late);
  }

  @Test
  void ofParallelHoldsOnTheLastSeatExactlyOneSucceeds() throws Exception {
    int parallel = 5;
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      for (int round = 0; round < 5; round++) {
        String target =
            firstSession(
                practice.createGroup("Race " + round, null, List.of(therapist), members, 3),
                String.format("2032-06-%02dT09:00", round + 1),
                1);
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
          Parameters hold = new Parameters();
          hold.addParameter().setName("appointment-reference").setValue(new Reference(target));
          hold.addParameter()
              .setName("patient-reference")
              .setValue(new Reference(practice.patient("Racer" + i)));
          bodies.add(fhir.encode(hold));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> futures = new ArrayList<>();
        for (String body : bodies) {
          futures.add(
              pool.submit(
                  () -> {
                    go.await();
                    return fhir.post(
                            "Appointment/" + OperationNames.HOLD,
                            body,
                            FhirHttp.FHIR_JSON,
                            Map.of())
                        .status();
                  }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> f : futures) {
          statuses.add(f.get());
        }
        assertThat(statuses).as("round %d", round).containsOnly(200, 409);
        assertThat(statuses.stream().filter(s -> s == 200)).as("round %d", round).hasSize(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aMemberSkipsASessionAndOnlyTheyAndTheFacilitatorAreTold() {
    Task request = new Task();
    request.setStatus(Task.TaskStatus.REQUESTED).setIntent(Task.TaskIntent.ORDER);
    request.setFocus(new Reference(session)).setFor(new Reference(members.get(0)));
    request.getCode().setText("Member change request: skip");
    String task = fhir.create("Task", request);
    Parameters skip = new Parameters();
    skip.addParameter().setName("member").setValue(new Reference(members.get(0)));
    skip.addParameter().setName("reason").setValue(new StringType("Work trip"));
    skip.addParameter().setName("request").setValue(new Reference(task));

    FhirHttp.Response response = fhir.post(session + "/" + OperationNames.SKIP_SESSION, skip);

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    Appointment stored = fhir.get(session).resource(Appointment.class);
    assertThat(stored.getParticipant())
        .filteredOn(p -> p.getActor().getReference().equals(members.get(0)))
        .extracting(Appointment.AppointmentParticipantComponent::getStatus)
        .containsExactly(Appointment.ParticipationStatus.DECLINED);
    assertThat(fhir.get(task).resource(Task.class).getStatus())
        .isEqualTo(Task.TaskStatus.COMPLETED);
    List<String> told = practice.told(session, "Session change for a member");
    assertThat(told).containsExactlyInAnyOrder(members.get(0), therapist);

    assertThat(fhir.post(session + "/" + OperationNames.SKIP_SESSION, skip).status())
        .as("already skipping")
        .isEqualTo(422);
    Parameters stranger = new Parameters();
    stranger.addParameter().setName("member").setValue(new Reference(practice.patient("Stranger")));
    FhirHttp.Response notMember = fhir.post(session + "/" + OperationNames.SKIP_SESSION, stranger);
    assertThat(notMember.status()).isEqualTo(422);
    assertThat(notMember.diagnostics()).contains("is not a member");
  }

  @Test
  void aMemberMovesToAMakeUpSessionOfAParallelGroupWithTheSameCurriculum() {
    String parallelGroup =
        practice.createGroup(
            "Parallel process group",
            null,
            List.of(practice.practitioner("Parallel")),
            List.of(),
            3);
    String makeUp = firstSession(parallelGroup, "2032-05-06T18:00", 1);
    Parameters move = new Parameters();
    move.addParameter().setName("member").setValue(new Reference(members.get(1)));
    move.addParameter().setName("to").setValue(new Reference(makeUp));

    FhirHttp.Response response = fhir.post(session + "/" + OperationNames.MOVE_MEMBER, move);

    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    assertThat(fhir.get(makeUp).resource(Appointment.class).getParticipant())
        .extracting(p -> p.getActor().getReference())
        .contains(members.get(1));
    assertThat(fhir.get(session).resource(Appointment.class).getParticipant())
        .filteredOn(p -> p.getActor().getReference().equals(members.get(1)))
        .extracting(Appointment.AppointmentParticipantComponent::getStatus)
        .containsExactly(Appointment.ParticipationStatus.DECLINED);

    Group otherCurriculum = practice.group("Grief", null, List.of(therapist), List.of(), 5);
    otherCurriculum.getCode().getCodingFirstRep().setCode("support");
    String otherSession =
        firstSession(fhir.create("Group", otherCurriculum), "2032-05-07T18:00", 1);
    Parameters wrong = new Parameters();
    wrong.addParameter().setName("member").setValue(new Reference(members.get(0)));
    wrong.addParameter().setName("to").setValue(new Reference(otherSession));
    FhirHttp.Response refused = fhir.post(session + "/" + OperationNames.MOVE_MEMBER, wrong);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.diagnostics()).contains("not the same curriculum");
    assertThat(fhir.get(session).resource(Appointment.class).getParticipant())
        .filteredOn(p -> p.getActor().getReference().equals(members.get(0)))
        .extracting(Appointment.AppointmentParticipantComponent::getStatus)
        .containsExactly(Appointment.ParticipationStatus.ACCEPTED);
  }

  private String firstSession(String groupId, String start, int count) {
    Parameters series = new Parameters();
    series.addParameter().setName("rrule").setValue(new StringType("FREQ=WEEKLY"));
    series.addParameter().setName("start").setValue(new StringType(start));
    series.addParameter().setName("durationMinutes").setValue(new IntegerType(60));
    series.addParameter().setName("count").setValue(new IntegerType(count));
    if (groupId != null
        && !fhir.get(groupId)
            .resource(Group.class)
            .hasExtension(TestPractice.BASE + "group-location")) {
      series
          .addParameter()
          .setName("virtual")
          .setValue(new StringType("https://video.example.org/g/" + groupId.replace('/', '-')));
    }
    FhirHttp.Response response = fhir.post(groupId + "/" + OperationNames.SCHEDULE_SERIES, series);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return ((Bundle) response.resource(Parameters.class).getParameter("sessions").getResource())
        .getEntryFirstRep()
        .getResource()
        .getIdElement()
        .toUnqualifiedVersionless()
        .getValue();
  }
}
