package org.grouptherapy.kernel;

import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;

/**
 * The Provenance of a write made past a rule because someone gave a reason (a booking despite
 * conflicts, an enrolment despite eligibility rules, a second claim for a member's session): what
 * it is about, when, why (with a v3 ActReason), who as the author, and each rule set aside as a
 * source entity. The caller adds what is particular to it (the activity) and stores it.
 */
public final class OverrideProvenance {

  private OverrideProvenance() {}

  public static Provenance of(
      String target, String why, String actReason, Reference author, List<String> setAside) {
    Provenance provenance = new Provenance();
    provenance.addTarget(new Reference(target));
    provenance.setRecorded(new Date());
    provenance
        .addReason()
        .setText(why)
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/v3-ActReason")
        .setCode(actReason);
    provenance
        .addAgent()
        .setWho(author)
        .getType()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/provenance-participant-type")
        .setCode("author");
    for (String rule : setAside) {
      provenance
          .addEntity()
          .setRole(Provenance.ProvenanceEntityRole.SOURCE)
          .getWhat()
          .setDisplay(rule);
    }
    return provenance;
  }
}
