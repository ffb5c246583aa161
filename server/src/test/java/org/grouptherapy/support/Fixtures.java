package org.grouptherapy.support;

import java.util.UUID;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Reference;

/** Builders for test resources; every one carries a fresh identifier so tests never collide. */
public final class Fixtures {

  public static final String BASE = "http://grouptherapy.example.org/fhir";
  public static final String THERAPY_GROUP = BASE + "/StructureDefinition/therapy-group";
  public static final String CAPACITY = BASE + "/StructureDefinition/group-capacity";
  public static final String ENROLMENT_MODE = BASE + "/StructureDefinition/group-enrolment-mode";
  public static final String MODALITY = BASE + "/CodeSystem/group-modality";
  public static final String TEST_SYSTEM = "urn:grouptherapy:test";

  private Fixtures() {}

  public static String uniqueId() {
    return UUID.randomUUID().toString();
  }

  public static Patient patient(String family) {
    Patient patient = new Patient();
    patient.addIdentifier().setSystem(TEST_SYSTEM).setValue(uniqueId());
    patient.addName().setFamily(family).addGiven("Test");
    return patient;
  }

  /** A therapy group valid against the project's profile. */
  public static Group therapyGroup(String name, String organizationReference) {
    Group group = new Group();
    group.getMeta().addProfile(THERAPY_GROUP);
    group.addIdentifier().setSystem(TEST_SYSTEM).setValue(uniqueId());
    Extension capacity = group.addExtension().setUrl(CAPACITY);
    capacity.addExtension("minimum", new PositiveIntType(4));
    capacity.addExtension("maximum", new PositiveIntType(10));
    group.addExtension(ENROLMENT_MODE, new CodeType("open"));
    group.setType(Group.GroupType.PERSON).setActual(true).setName(name);
    group.getCode().addCoding().setSystem(MODALITY).setCode("process");
    group.setManagingEntity(new Reference(organizationReference));
    return group;
  }

  public static Appointment session(
      String groupReference, String patientReference, String start, String end) {
    Appointment session = new Appointment();
    session.addIdentifier().setSystem(TEST_SYSTEM).setValue(uniqueId());
    session.setStatus(Appointment.AppointmentStatus.BOOKED);
    session.getStartElement().setValueAsString(start);
    session.getEndElement().setValueAsString(end);
    session.addSupportingInformation(new Reference(groupReference));
    session
        .addParticipant()
        .setActor(new Reference(patientReference))
        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
    return session;
  }
}
