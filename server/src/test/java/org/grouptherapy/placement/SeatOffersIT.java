package org.grouptherapy.placement;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Communication;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A freed seat is offered to the next suitable person waiting (a message to them, a Task for the
 * VA), held for them, and passed on when they decline or the offer expires; joining accepts it.
 */
@IntegrationTest
class SeatOffersIT {

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;
  @Autowired SeatOfferScan scan;
  @Autowired PracticeTime time;
  FhirHttp fhir;
  TestPractice practice;
  String room;
  String therapist;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    room = practice.room("Offer room", 12);
    therapist = practice.practitioner("Offerer", "Process groups");
  }

  private String person(String family, LocalDate born) {
    String id = practice.patient(family);
    Patient patient = fhir.get(id).resource(Patient.class);
    patient.setBirthDateElement(new DateType(born.toString()));
    assertThat(fhir.put(id, patient).status()).isEqualTo(200);
    return id;
  }

  private String adult(String family) {
    return person(family, time.today().minusYears(35));
  }

  /** A group of the given size with these members and one session next week. */
  private String group(String name, int maximum, List<String> members) {
    return group(name, maximum, members, 17);
  }

  private String group(String name, int maximum, List<String> members, int hour) {
    String group = practice.createGroup(name, room, List.of(therapist), members, maximum);
    ZonedDateTime at = time.today().plusDays(8).atTime(hour, 0).atZone(time.zone());
    FhirHttp.Response created =
        fhir.post(
            "Appointment",
            TestPractice.session(
                group,
                at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                at.plusMinutes(60).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME),
                room,
                List.of(therapist),
                members));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return group;
  }

  private void waitlist(String group, String person) {
    FhirHttp.Response added = IntakeAndPlacementIT.memberAdd(fhir, group, person, true);
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    assertThat(added.body()).contains("waitlistPosition");
  }

  private Parameters remove(String group, String member) {
    Parameters remove = new Parameters();
    remove.addParameter().setName("patient").setValue(new Reference(member));
    FhirHttp.Response removed = fhir.post(group + "/" + OperationNames.MEMBER_REMOVE, remove);
    assertThat(removed.status()).as(removed.toString()).isEqualTo(200);
    return removed.resource(Parameters.class);
  }

  private static List<String> offeredTo(Parameters out) {
    return out.getParameter().stream()
        .filter(p -> p.getName().equals("offeredTo"))
        .map(p -> ((Reference) p.getValue()).getReference())
        .toList();
  }

  private List<Task> offers(String group, String person) {
    return fhir
        .get(
            "Task?code=http://grouptherapy.example.org/fhir/CodeSystem/intake-codes|seat-offer"
                + "&focus="
                + group
                + "&subject="
                + person)
        .resource(Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (Task) e.getResource())
        .toList();
  }

  private List<Communication> told(String person) {
    return fhir
        .get("Communication?recipient=" + person + "&_count=50")
        .resource(Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (Communication) e.getResource())
        .filter(c -> c.getTopic().getText().equals("A seat for you"))
        .toList();
  }

  @Test
  void aFreedSeatGoesToTheNextSuitablePersonIsHeldForThemAndPassesOnWhenTheyDecline() {
    String a = adult("Leaving");
    String b = adult("Staying");
    String group = group("Offer group", 2, List.of(a, b));
    String young = person("Young", time.today().minusYears(16));
    String second = adult("Second");
    String third = adult("Third");
    waitlist(group, young);
    waitlist(group, second);
    waitlist(group, third);
    // The group becomes adults-only: the first person waiting no longer fits it.
    Group adultsOnly = fhir.get(group).resource(Group.class);
    adultsOnly.addExtension(
        TestPractice.BASE + "group-age-range",
        new Range().setLow(new Quantity(18)).setHigh(new Quantity(64)));
    assertThat(fhir.put(group, adultsOnly).status()).isEqualTo(200);

    Parameters out = remove(group, a);
    assertThat(offeredTo(out)).containsExactly(second);
    assertThat(offers(group, young)).isEmpty();
    Task offer = offers(group, second).get(0);
    assertThat(offer.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(offer.getRestriction().getPeriod().getEnd())
        .isAfter(java.util.Date.from(Instant.now()));
    List<Communication> message = told(second);
    assertThat(message).hasSize(1);
    String text = message.get(0).getPayloadFirstRep().getContentStringType().getValue();
    assertThat(text).contains("Offer group").contains("A seat has opened");
    for (String other : List.of(b, young, third)) {
      assertThat(text).doesNotContain(other);
    }
    assertThat(text).doesNotContain("Staying").doesNotContain("Third");

    // The offered seat is held: nobody else is enrolled into it.
    FhirHttp.Response refused = IntakeAndPlacementIT.memberAdd(fhir, group, third, false);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics()).contains("offered");

    // The person declines (the VA rejects the Task): the next suitable person is offered it.
    offer.setStatus(Task.TaskStatus.REJECTED);
    offer.getStatusReason().setText("Evening no longer works");
    assertThat(fhir.put("Task/" + offer.getIdElement().getIdPart(), offer).status()).isEqualTo(200);
    assertThat(scan.run(Instant.now())).isPositive();
    assertThat(offers(group, third))
        .singleElement()
        .satisfies(t -> assertThat(t.getStatus()).isEqualTo(Task.TaskStatus.REQUESTED));
    assertThat(told(third)).hasSize(1);

    // They take it from tomorrow, when the seat is free: joining accepts the offer and completes
    // the VA's Task.
    Parameters join = new Parameters();
    join.addParameter().setName("patient").setValue(new Reference(third));
    join.addParameter()
        .setName("period")
        .setValue(
            new org.hl7.fhir.r4.model.Period()
                .setStartElement(
                    new org.hl7.fhir.r4.model.DateTimeType(time.today().plusDays(1).toString())));
    FhirHttp.Response joined = fhir.post(group + "/" + OperationNames.MEMBER_ADD, join);
    assertThat(joined.status()).as(joined.toString()).isEqualTo(200);
    assertThat(offers(group, third).get(0).getStatus()).isEqualTo(Task.TaskStatus.COMPLETED);
  }

  @Test
  void anOfferExpiresAndTheSeatPassesOnOnceEvenWithTwoScansAtOnce() throws Exception {
    String a = adult("Going");
    String group = group("Expiring offers", 1, List.of(a));
    String first = adult("Slow");
    String next = adult("Next");
    waitlist(group, first);
    waitlist(group, next);
    assertThat(offeredTo(remove(group, a))).containsExactly(first);

    scan.run(Instant.now().plus(Duration.ofHours(47)));
    assertThat(offers(group, first).get(0).getStatus()).isEqualTo(Task.TaskStatus.REQUESTED);
    assertThat(offers(group, next)).isEmpty();
    Instant later = Instant.now().plus(Duration.ofHours(49));
    List<CompletableFuture<Integer>> scans = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      scans.add(CompletableFuture.supplyAsync(() -> scan.run(later)));
    }
    for (CompletableFuture<Integer> s : scans) {
      s.get();
    }
    Task expired = offers(group, first).get(0);
    assertThat(expired.getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(expired.getStatusReason().getText()).contains("expired");
    assertThat(offers(group, next)).hasSize(1);
    assertThat(told(next)).hasSize(1);
  }

  /**
   * A seat freed without $member-remove (an EHR ends the membership with a plain update, or the
   * group's capacity is raised) is offered at the next scan.
   */
  @Test
  void aSeatFreedByAPlainUpdateOrARaisedCapacityIsOfferedAtTheNextScan() {
    String a = adult("Plainleaver");
    String group = group("Plain update offers", 1, List.of(a), 11);
    String first = adult("Firstwaiting");
    String second = adult("Secondwaiting");
    waitlist(group, first);
    waitlist(group, second);

    Group ended = fhir.get(group).resource(Group.class);
    ended
        .getMemberFirstRep()
        .getPeriod()
        .setEndElement(new org.hl7.fhir.r4.model.DateTimeType(time.today().toString()));
    assertThat(fhir.put(group, ended).status()).isEqualTo(200);
    assertThat(offers(group, first)).isEmpty();
    scan.run(Instant.now());
    assertThat(offers(group, first)).hasSize(1);
    assertThat(offers(group, second)).isEmpty();
    assertThat(told(first)).hasSize(1);

    Group larger = fhir.get(group).resource(Group.class);
    var capacity =
        larger.getExtensionByUrl(
            "http://grouptherapy.example.org/fhir/StructureDefinition/group-capacity");
    capacity.getExtensionByUrl("maximum").setValue(new org.hl7.fhir.r4.model.PositiveIntType(2));
    assertThat(fhir.put(group, larger).status()).isEqualTo(200);
    scan.run(Instant.now());
    assertThat(offers(group, second)).hasSize(1);
    // Nothing more to offer: a second scan makes no new offers.
    scan.run(Instant.now());
    assertThat(offers(group, first)).hasSize(1);
    assertThat(offers(group, second)).hasSize(1);
  }

  @Test
  void placedInAnotherGroupAPersonsOpenOfferIsWithdrawnAndTheSeatPassesOn() {
    String a = adult("Mover");
    String group = group("Withdrawn offers", 1, List.of(a));
    String first = adult("Elsewhere");
    String next = adult("Afterwards");
    waitlist(group, first);
    waitlist(group, next);
    assertThat(offeredTo(remove(group, a))).containsExactly(first);
    String other = group("Other open group", 4, List.of(), 9);
    assertThat(IntakeAndPlacementIT.memberAdd(fhir, other, first, false).status()).isEqualTo(200);

    scan.run(Instant.now());
    assertThat(offers(group, first).get(0).getStatus()).isEqualTo(Task.TaskStatus.CANCELLED);
    assertThat(offers(group, first).get(0).getStatusReason().getText())
        .isEqualTo("Placed in another group");
    assertThat(offers(group, next)).hasSize(1);
  }
}
