package org.grouptherapy.support;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.hl7.fhir.r4.model.UrlType;

/**
 * A small practice of its own for each test that schedules: an organization, a site, rooms,
 * practitioners with roles, patients and groups, all created over HTTP with fresh ids, so tests
 * never collide on a calendar.
 */
public final class TestPractice {

  public static final String BASE = Fixtures.BASE + "/StructureDefinition/";

  private final FhirHttp fhir;
  public final String organization;
  public final String site;

  public TestPractice(FhirHttp fhir) {
    this.fhir = fhir;
    this.organization = fhir.create("Organization", new Organization().setName("Test practice"));
    Location site = new Location().setName("Test site");
    site.getPhysicalType().addCoding().setCode("si");
    site.setManagingOrganization(new Reference(organization));
    this.site = fhir.create("Location", site);
  }

  public String room(String name, int seats) {
    return room(name, seats, site);
  }

  public String room(String name, int seats, String siteReference) {
    Location room = new Location().setName(name).setStatus(Location.LocationStatus.ACTIVE);
    room.getMeta().addProfile(BASE + "group-room");
    room.setMode(Location.LocationMode.INSTANCE);
    room.getPhysicalType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/location-physical-type")
        .setCode("ro");
    room.addExtension(BASE + "location-capacity", new PositiveIntType(seats));
    room.setPartOf(new Reference(siteReference));
    room.setManagingOrganization(new Reference(organization));
    return fhir.create("Location", room);
  }

  public String virtualPlatform() {
    Location platform = new Location().setName("Video").setMode(Location.LocationMode.KIND);
    platform
        .getPhysicalType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/location-physical-type")
        .setCode("vi");
    return fhir.create("Location", platform);
  }

  /** An active practitioner with an active role in the practice (specialties as text). */
  public String practitioner(String family, String... specialties) {
    return practitioner(family, 40, specialties);
  }

  /** As above, with a weekly hours limit on the role. */
  public String practitioner(String family, double weeklyHours, String... specialties) {
    return practitionerWorking(family, weeklyHours, null, specialties);
  }

  /**
   * An active practitioner whose role records working hours: weekdays ("mon,wed") from a start to
   * an end time ("09:00-17:00"), in the practice's zone.
   */
  public String practitionerWorking(
      String family, double weeklyHours, String hours, String... specialties) {
    Practitioner practitioner = new Practitioner().setActive(true);
    practitioner.addName().setFamily(family).addGiven("Test");
    practitioner.addIdentifier().setSystem(Fixtures.TEST_SYSTEM).setValue(Fixtures.uniqueId());
    practitioner
        .addTelecom()
        .setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.EMAIL)
        .setValue(
            family.toLowerCase()
                + "-"
                + Fixtures.uniqueId().substring(0, 8)
                + "@practice.example.org");
    String id = fhir.create("Practitioner", practitioner);
    PractitionerRole role = new PractitionerRole().setActive(true);
    role.setPractitioner(new Reference(id)).setOrganization(new Reference(organization));
    role.addCode().setText("Group therapist");
    for (String specialty : specialties) {
      role.addSpecialty().setText(specialty);
    }
    role.addLocation(new Reference(site));
    role.addExtension(
        BASE + "weekly-hours-limit", new org.hl7.fhir.r4.model.DecimalType(weeklyHours));
    if (hours != null) {
      String[] daysAndTimes = hours.split(" ");
      String[] times = daysAndTimes[1].split("-");
      PractitionerRole.PractitionerRoleAvailableTimeComponent time = role.addAvailableTime();
      for (String day : daysAndTimes[0].split(",")) {
        time.addDaysOfWeek(PractitionerRole.DaysOfWeek.fromCode(day));
      }
      time.setAvailableStartTime(times[0] + ":00").setAvailableEndTime(times[1] + ":00");
    }
    fhir.create("PractitionerRole", role);
    return id;
  }

  /** A patient without any email address (with the group consents signed). */
  public String patientWithoutEmail(String family) {
    String id = fhir.create("Patient", Fixtures.patient(family));
    signConsents(id, "group-treatment", "group-confidentiality", "telehealth");
    return id;
  }

  /** A patient with an email address and the group consents signed. */
  public String patient(String family) {
    String id = patientWithoutConsents(family);
    signConsents(id, "group-treatment", "group-confidentiality", "telehealth");
    return id;
  }

  /** A patient with an email address who has signed nothing yet. */
  public String patientWithoutConsents(String family) {
    org.hl7.fhir.r4.model.Patient patient = Fixtures.patient(family);
    patient
        .addTelecom()
        .setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.EMAIL)
        .setValue(
            family.toLowerCase() + "-" + Fixtures.uniqueId().substring(0, 8) + "@mail.example.org");
    return fhir.create("Patient", patient);
  }

  /** Signed (active) group consents of the given kinds, in one transaction. */
  public void signConsents(String patient, String... kinds) {
    org.hl7.fhir.r4.model.Bundle bundle =
        new org.hl7.fhir.r4.model.Bundle()
            .setType(org.hl7.fhir.r4.model.Bundle.BundleType.TRANSACTION);
    for (String kind : kinds) {
      bundle
          .addEntry()
          .setResource(consent(patient, kind, org.hl7.fhir.r4.model.Consent.ConsentState.ACTIVE))
          .getRequest()
          .setMethod(org.hl7.fhir.r4.model.Bundle.HTTPVerb.POST)
          .setUrl("Consent");
    }
    FhirHttp.Response response = fhir.post("", bundle);
    if (response.status() != 200) {
      throw new IllegalStateException("Consents not stored: " + response);
    }
  }

  /** A group consent of a kind (group-treatment, group-confidentiality, telehealth). */
  public static org.hl7.fhir.r4.model.Consent consent(
      String patient, String kind, org.hl7.fhir.r4.model.Consent.ConsentState state) {
    org.hl7.fhir.r4.model.Consent consent = new org.hl7.fhir.r4.model.Consent();
    consent.setStatus(state);
    consent
        .getScope()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/consentscope")
        .setCode("treatment");
    consent.addCategory().addCoding().setSystem("http://loinc.org").setCode("59284-0");
    consent
        .addCategory()
        .addCoding()
        .setSystem(Fixtures.BASE + "/CodeSystem/consent-kind")
        .setCode(kind);
    consent.setPatient(new Reference(patient));
    consent.setDateTime(new java.util.Date());
    consent.addPolicy().setUri("http://grouptherapy.example.org/policies/" + kind);
    consent
        .getSourceAttachment()
        .setContentType("application/pdf")
        .setTitle(kind + " (signed)")
        .setData("JVBERi0xLjQK".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return consent;
  }

  public List<String> patients(String family, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(patient(family + i));
    }
    return ids;
  }

  /** A running weekly group with facilitators, a default room, members and 15/20-minute blocks. */
  public Group group(
      String name, String room, List<String> facilitators, List<String> members, int maximum) {
    Group group = Fixtures.therapyGroup(name, organization);
    group
        .getExtensionByUrl(Fixtures.CAPACITY)
        .getExtensionByUrl("maximum")
        .setValue(new PositiveIntType(maximum));
    group
        .getExtensionByUrl(Fixtures.CAPACITY)
        .getExtensionByUrl("minimum")
        .setValue(new PositiveIntType(Math.min(4, maximum)));
    group.addExtension(BASE + "group-status", new CodeType("running"));
    group.addExtension(BASE + "group-timezone", new CodeType("America/New_York"));
    group.addExtension(BASE + "group-cadence", new StringType("FREQ=WEEKLY;BYDAY=MO"));
    if (room != null) {
      group.addExtension(BASE + "group-location", new Reference(room));
    }
    for (int i = 0; i < facilitators.size(); i++) {
      Extension facilitator = group.addExtension().setUrl(BASE + "group-facilitator");
      facilitator.addExtension("practitioner", new Reference(facilitators.get(i)));
      facilitator.addExtension("role", new CodeType(i == 0 ? "primary" : "co"));
    }
    Extension blocks = group.addExtension().setUrl(BASE + "group-session-blocks");
    blocks.addExtension("prepMinutes", new UnsignedIntType(15));
    blocks.addExtension("documentationMinutes", new UnsignedIntType(20));
    for (String member : members) {
      group
          .addMember()
          .setEntity(new Reference(member))
          .getPeriod()
          .setStartElement(new org.hl7.fhir.r4.model.DateTimeType("2025-01-01"));
    }
    return group;
  }

  public String createGroup(
      String name, String room, List<String> facilitators, List<String> members, int maximum) {
    return fhir.create("Group", group(name, room, facilitators, members, maximum));
  }

  /** A booked session of a group: facilitators, a room (or none) and members, at a time. */
  public static Appointment session(
      String group,
      String start,
      String end,
      String room,
      List<String> facilitators,
      List<String> members) {
    Appointment session = new Appointment();
    session.getMeta().addProfile(BASE + "group-session");
    session.addIdentifier().setSystem(Fixtures.TEST_SYSTEM).setValue(Fixtures.uniqueId());
    session.setStatus(Appointment.AppointmentStatus.BOOKED);
    session.getStartElement().setValueAsString(start);
    session.getEndElement().setValueAsString(end);
    session.addSupportingInformation(new Reference(group));
    for (String facilitator : facilitators) {
      session
          .addParticipant()
          .setActor(new Reference(facilitator))
          .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    }
    if (room != null) {
      session
          .addParticipant()
          .setActor(new Reference(room))
          .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    }
    for (String member : members) {
      session
          .addParticipant()
          .setActor(new Reference(member))
          .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    }
    return session;
  }

  /** Who was sent a Communication about a resource on a topic (the change's subject line). */
  public List<String> told(String about, String topic) {
    return fhir
        .get("Communication?about=" + about + "&_count=50")
        .resource(org.hl7.fhir.r4.model.Bundle.class)
        .getEntry()
        .stream()
        .map(e -> (org.hl7.fhir.r4.model.Communication) e.getResource())
        .filter(c -> c.getTopic().getText().equals(topic))
        .map(c -> c.getRecipientFirstRep().getReference())
        .toList();
  }

  public static Appointment withJoinUrl(Appointment session, String url) {
    session.addExtension(BASE + "session-join-url", new UrlType(url));
    return session;
  }

  /**
   * A busy block (PTO, supervision, ...) in the practitioner's calendar, on a Schedule of its own.
   */
  public void block(String practitioner, String type, String start, String end) {
    org.hl7.fhir.r4.model.Schedule schedule = new org.hl7.fhir.r4.model.Schedule();
    schedule.addActor(new Reference(practitioner));
    String id = fhir.create("Schedule", schedule);
    org.hl7.fhir.r4.model.Slot slot = new org.hl7.fhir.r4.model.Slot();
    slot.setSchedule(new Reference(id)).setStatus(org.hl7.fhir.r4.model.Slot.SlotStatus.BUSY);
    slot.addServiceType()
        .addCoding()
        .setSystem("http://grouptherapy.example.org/fhir/CodeSystem/calendar-block-type")
        .setCode(type);
    slot.getStartElement().setValueAsString(start);
    slot.getEndElement().setValueAsString(end);
    fhir.create("Slot", slot);
  }
}
