package org.grouptherapy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.grouptherapy.support.TestPractice.session;

import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * No practitioner, room or member is booked twice, whatever path the write takes, and no session is
 * overfilled: each violation is a 409 naming what it collides with, and nothing is written.
 */
@IntegrationTest
class BookingLedgerIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String therapist;
  String otherTherapist;
  List<String> members;
  String group;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Willow", 6);
    therapist = practice.practitioner("Okafor", "DBT");
    otherTherapist = practice.practitioner("Haddad", "DBT");
    members = practice.patients("Member", 3);
    group = practice.createGroup("Ledger group", room, List.of(therapist), members, 8);
  }

  @Test
  void aSecondSessionInTheSameRoomAtOverlappingTimesIsRefusedNamingTheFirst() {
    String first =
        fhir.create(
            "Appointment",
            session(
                group,
                "2031-06-02T18:00:00-04:00",
                "2031-06-02T19:30:00-04:00",
                room,
                List.of(therapist),
                members));

    Appointment clash =
        session(
            group,
            "2031-06-02T19:00:00-04:00",
            "2031-06-02T20:00:00-04:00",
            room,
            List.of(otherTherapist),
            List.of());
    FhirHttp.Response refused = fhir.post("Appointment", clash);

    assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
    assertThat(refused.outcome().getIssueFirstRep().getCode().toCode()).isEqualTo("conflict");
    assertThat(refused.diagnostics()).contains(room).contains(first).contains("Override");
    assertThat(found("Appointment?identifier=" + identifier(clash))).isZero();

    FhirHttp.Response adjacent =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-02T19:30:00-04:00",
                "2031-06-02T20:30:00-04:00",
                room,
                List.of(otherTherapist),
                List.of()));
    assertThat(adjacent.status()).as("back-to-back sessions share the room").isEqualTo(201);
  }

  @Test
  void facilitatorsAndMembersCannotBeInTwoPlacesAtOnce() {
    String otherRoom = practice.room("Cedar", 6);
    fhir.create(
        "Appointment",
        session(
            group,
            "2031-06-03T18:00:00-04:00",
            "2031-06-03T19:30:00-04:00",
            room,
            List.of(therapist),
            members));

    FhirHttp.Response facilitatorTwice =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-03T18:30:00-04:00",
                "2031-06-03T19:00:00-04:00",
                otherRoom,
                List.of(therapist),
                List.of()));
    assertThat(facilitatorTwice.status()).isEqualTo(409);
    assertThat(facilitatorTwice.diagnostics()).contains(therapist).doesNotContain(otherRoom);

    FhirHttp.Response memberTwice =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-03T18:30:00-04:00",
                "2031-06-03T19:00:00-04:00",
                otherRoom,
                List.of(otherTherapist),
                List.of(members.get(1))));
    assertThat(memberTwice.status()).isEqualTo(409);
    assertThat(memberTwice.diagnostics()).contains(members.get(1));

    // An individual appointment clashes with the group session just as another group would.
    Appointment individual =
        session(
            group,
            "2031-06-03T18:30:00-04:00",
            "2031-06-03T19:00:00-04:00",
            null,
            List.of(otherTherapist),
            List.of(members.get(2)));
    assertThat(fhir.post("Appointment", individual).status()).isEqualTo(409);
  }

  @Test
  void virtualPlatformsAreNotExclusiveButRoomsAndGroupsHaveCapacities() {
    String video = practice.virtualPlatform();
    String smallRoom = practice.room("Birch", 2);
    assertThat(
            fhir.post(
                    "Appointment",
                    session(
                        group,
                        "2031-06-04T12:00:00-04:00",
                        "2031-06-04T13:00:00-04:00",
                        video,
                        List.of(therapist),
                        List.of()))
                .status())
        .isEqualTo(201);
    assertThat(
            fhir.post(
                    "Appointment",
                    session(
                        group,
                        "2031-06-04T12:00:00-04:00",
                        "2031-06-04T13:00:00-04:00",
                        video,
                        List.of(otherTherapist),
                        List.of()))
                .status())
        .isEqualTo(201);

    FhirHttp.Response overRoom =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-05T12:00:00-04:00",
                "2031-06-05T13:00:00-04:00",
                smallRoom,
                List.of(therapist),
                members));
    assertThat(overRoom.status()).isEqualTo(409);
    assertThat(overRoom.diagnostics()).contains(smallRoom + " seats 2 but the session has 3");

    // The group holds two members (its maximum); a session listing a third is over capacity.
    String tinyGroup =
        practice.createGroup("Tiny", room, List.of(therapist), members.subList(0, 2), 2);
    FhirHttp.Response overGroup =
        fhir.post(
            "Appointment",
            session(
                tinyGroup,
                "2031-06-06T12:00:00-04:00",
                "2031-06-06T13:00:00-04:00",
                room,
                List.of(therapist),
                members));
    assertThat(overGroup.status()).isEqualTo(409);
    assertThat(overGroup.diagnostics()).contains(tinyGroup + " holds at most 2 members");
  }

  @Test
  void facilitatorsMustBeActiveAndHoldAnActiveRole() {
    Practitioner retired = new Practitioner().setActive(false);
    retired.addName().setFamily("Retired");
    String retiredId = fhir.create("Practitioner", retired);
    FhirHttp.Response inactive =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-09T18:00:00-04:00",
                "2031-06-09T19:00:00-04:00",
                null,
                List.of(retiredId),
                List.of()));
    assertThat(inactive.status()).isEqualTo(409);
    assertThat(inactive.diagnostics()).contains(retiredId + " is not active");

    Practitioner noRole = new Practitioner().setActive(true);
    noRole.addName().setFamily("Visitor");
    String noRoleId = fhir.create("Practitioner", noRole);
    FhirHttp.Response roleless =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-09T18:00:00-04:00",
                "2031-06-09T19:00:00-04:00",
                null,
                List.of(noRoleId),
                List.of()));
    assertThat(roleless.status()).isEqualTo(409);
    assertThat(roleless.diagnostics()).contains("holds no active PractitionerRole");
  }

  @Test
  void anOverrideWithAReasonBooksAnywayAndLeavesAProvenance() {
    fhir.create(
        "Appointment",
        session(
            group,
            "2031-06-10T18:00:00-04:00",
            "2031-06-10T19:30:00-04:00",
            room,
            List.of(therapist),
            members));
    Appointment extra =
        session(
            group,
            "2031-06-10T18:00:00-04:00",
            "2031-06-10T19:00:00-04:00",
            room,
            List.of(otherTherapist),
            List.of());

    FhirHttp.Response booked =
        fhir.post(
            "Appointment",
            fhir.encode(extra),
            FhirHttp.FHIR_JSON,
            Map.of("X-Booking-Override-Reason", "Room split with a divider for one evening"));

    assertThat(booked.status()).as(booked.toString()).isEqualTo(201);
    String id =
        booked.resource(Appointment.class).getIdElement().toUnqualifiedVersionless().getValue();
    Bundle provenances = fhir.get("Provenance?target=" + id).resource(Bundle.class);
    assertThat(provenances.getEntry()).hasSize(1);
    Provenance provenance = (Provenance) provenances.getEntryFirstRep().getResource();
    assertThat(provenance.getReasonFirstRep().getText())
        .contains("Room split with a divider for one evening");
    assertThat(provenance.getEntity())
        .extracting(e -> e.getWhat().getDisplay())
        .anySatisfy(d -> assertThat(d).contains(room));
  }

  @Test
  void cancellingASessionFreesItsRoomAndPeople() {
    String first =
        fhir.create(
            "Appointment",
            session(
                group,
                "2031-06-11T18:00:00-04:00",
                "2031-06-11T19:30:00-04:00",
                room,
                List.of(therapist),
                members));
    Appointment stored = fhir.get(first).resource(Appointment.class);
    stored.setStatus(Appointment.AppointmentStatus.CANCELLED);
    stored.setCancelationReason(new CodeableConcept().setText("Facilitator ill"));
    assertThat(fhir.put(first, stored).status()).isEqualTo(200);

    assertThat(
            fhir.post(
                    "Appointment",
                    session(
                        group,
                        "2031-06-11T18:00:00-04:00",
                        "2031-06-11T19:30:00-04:00",
                        room,
                        List.of(therapist),
                        members))
                .status())
        .isEqualTo(201);
  }

  @Test
  void aTransactionWithAConflictWritesNothing() {
    Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
    Appointment first =
        session(
            group,
            "2031-06-12T18:00:00-04:00",
            "2031-06-12T19:30:00-04:00",
            room,
            List.of(therapist),
            members);
    Appointment second =
        session(
            group,
            "2031-06-12T19:00:00-04:00",
            "2031-06-12T20:00:00-04:00",
            room,
            List.of(otherTherapist),
            List.of());
    for (Appointment a : List.of(first, second)) {
      transaction
          .addEntry()
          .setResource(a)
          .getRequest()
          .setMethod(Bundle.HTTPVerb.POST)
          .setUrl("Appointment");
    }

    FhirHttp.Response refused = fhir.post("", transaction);

    assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
    assertThat(found("Appointment?identifier=" + identifier(first))).isZero();
    // Nothing of the first entry is left in the ledger either: its time is free.
    assertThat(fhir.post("Appointment", first).status()).isEqualTo(201);
  }

  @Test
  void busyBlocksOnAScheduleHoldThePractitioner() {
    Schedule schedule = new Schedule();
    schedule.addActor(new Reference(therapist));
    String scheduleId = fhir.create("Schedule", schedule);
    Slot pto = new Slot();
    pto.getMeta().addProfile(TestPractice.BASE + "calendar-block");
    pto.setSchedule(new Reference(scheduleId)).setStatus(Slot.SlotStatus.BUSYUNAVAILABLE);
    pto.addServiceType()
        .addCoding(
            new Coding(
                "http://grouptherapy.example.org/fhir/CodeSystem/calendar-block-type",
                "pto",
                "PTO"));
    pto.getStartElement().setValueAsString("2031-06-16T00:00:00-04:00");
    pto.getEndElement().setValueAsString("2031-06-21T00:00:00-04:00");
    String ptoId = fhir.create("Slot", pto);

    FhirHttp.Response refused =
        fhir.post(
            "Appointment",
            session(
                group,
                "2031-06-16T18:00:00-04:00",
                "2031-06-16T19:30:00-04:00",
                room,
                List.of(therapist),
                members));

    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains(ptoId).contains("(pto)");
  }

  @Test
  void ofParallelRequestsForTheSameRoomExactlyOneWins() throws Exception {
    int parallel = 6;
    List<String> facilitators = new ArrayList<>();
    for (int i = 0; i < parallel; i++) {
      facilitators.add(practice.practitioner("Parallel" + i));
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      for (int round = 0; round < 10; round++) {
        String start = String.format("2031-07-%02dT18:00:00-04:00", round + 1);
        String end = String.format("2031-07-%02dT19:30:00-04:00", round + 1);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<FhirHttp.Response>> futures = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
          String body =
              fhir.encode(
                  session(group, start, end, room, List.of(facilitators.get(i)), List.of()));
          futures.add(
              pool.submit(
                  () -> {
                    go.await();
                    return fhir.post("Appointment", body, FhirHttp.FHIR_JSON, Map.of());
                  }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<FhirHttp.Response> f : futures) {
          statuses.add(f.get().status());
        }
        assertThat(statuses).as("round %d", round).containsOnly(201, 409);
        assertThat(statuses.stream().filter(s -> s == 201)).as("round %d", round).hasSize(1);
        assertThat(found("Appointment?location=" + room + "&date=" + start.substring(0, 10)))
            .isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ofParallelRequestsForTheSameFacilitatorInDifferentRoomsExactlyOneWins() throws Exception {
    int parallel = 5;
    List<String> rooms = new ArrayList<>();
    for (int i = 0; i < parallel; i++) {
      rooms.add(practice.room("Parallel room " + i, 10));
    }
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      for (int round = 0; round < 10; round++) {
        String start = String.format("2031-08-%02dT18:00:00-04:00", round + 1);
        String end = String.format("2031-08-%02dT19:30:00-04:00", round + 1);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<FhirHttp.Response>> futures = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
          String body =
              fhir.encode(session(group, start, end, rooms.get(i), List.of(therapist), List.of()));
          futures.add(
              pool.submit(
                  () -> {
                    go.await();
                    return fhir.post("Appointment", body, FhirHttp.FHIR_JSON, Map.of());
                  }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<FhirHttp.Response> f : futures) {
          statuses.add(f.get().status());
        }
        assertThat(statuses).as("round %d", round).containsOnly(201, 409);
        assertThat(statuses.stream().filter(s -> s == 201)).as("round %d", round).hasSize(1);
        assertThat(
                found("Appointment?practitioner=" + therapist + "&date=" + start.substring(0, 10)))
            .isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private int found(String query) {
    return fhir.get(query + (query.contains("?") ? "&" : "?") + "_summary=count")
        .resource(Bundle.class)
        .getTotal();
  }

  private static String identifier(Appointment appointment) {
    return appointment.getIdentifierFirstRep().getSystem()
        + "|"
        + appointment.getIdentifierFirstRep().getValue();
  }
}
