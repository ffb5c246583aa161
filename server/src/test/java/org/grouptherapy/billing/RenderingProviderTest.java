package org.grouptherapy.billing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Exactly one rendering provider per member per session, by the group's billing arrangement. */
class RenderingProviderTest {

  static final String SD = "http://grouptherapy.example.org/fhir/StructureDefinition/";
  static final String PRIMARY = "Practitioner/1";
  static final String CO = "Practitioner/2";
  static final String SUPERVISOR = "Practitioner/9";
  static final List<String> BOTH = List.of(CO, PRIMARY); // order of presence does not matter
  static final List<String> MEMBERS = List.of("Patient/10", "Patient/11", "Patient/12");

  @Test
  void primaryBillsEveryMemberAndTheCoFacilitatorWhenThePrimaryIsAway() {
    Group group = group(null);
    for (String member : MEMBERS) {
      assertThat(RenderingProvider.of(group, session(1), member, BOTH, MEMBERS)).isEqualTo(PRIMARY);
    }
    assertThat(RenderingProvider.of(group, session(1), "Patient/10", List.of(CO), MEMBERS))
        .isEqualTo(CO);
  }

  @Test
  void alternateTakesTurnsBySessionNumber() {
    Group group = group("alternate");
    assertThat(RenderingProvider.of(group, session(1), "Patient/10", BOTH, MEMBERS))
        .isEqualTo(PRIMARY);
    assertThat(RenderingProvider.of(group, session(2), "Patient/10", BOTH, MEMBERS)).isEqualTo(CO);
    assertThat(RenderingProvider.of(group, session(3), "Patient/11", BOTH, MEMBERS))
        .isEqualTo(PRIMARY);
  }

  @Test
  void splitSharesMembersOutInTurn() {
    Group group = group("split");
    assertThat(
            MEMBERS.stream()
                .map(m -> RenderingProvider.of(group, session(1), m, BOTH, MEMBERS))
                .toList())
        .containsExactly(PRIMARY, CO, PRIMARY);
  }

  @Test
  void theSupervisorBillsForATrainee() {
    Group group = group("supervisor");
    assertThat(RenderingProvider.of(group, session(1), "Patient/10", BOTH, MEMBERS))
        .isEqualTo(SUPERVISOR);
  }

  static Group group(String arrangement) {
    Group group = new Group();
    facilitator(group, PRIMARY, "primary");
    facilitator(group, CO, "co");
    if (arrangement != null) {
      Extension billing = group.addExtension().setUrl(SD + "group-billing");
      billing.addExtension("arrangement", new CodeType(arrangement));
      billing.addExtension("supervisor", new Reference(SUPERVISOR));
    }
    return group;
  }

  static void facilitator(Group group, String who, String role) {
    Extension f = group.addExtension().setUrl(SD + "group-facilitator");
    f.addExtension("practitioner", new Reference(who));
    f.addExtension("role", new CodeType(role));
  }

  static Appointment session(int number) {
    Appointment session = new Appointment();
    session.addExtension(SD + "session-number", new IntegerType(number));
    return session;
  }
}
