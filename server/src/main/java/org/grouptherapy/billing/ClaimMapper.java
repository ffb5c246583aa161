package org.grouptherapy.billing;

import java.math.BigDecimal;
import java.util.Date;
import org.grouptherapy.billing.ClaimRules.Expected;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Reference;

/** An expected claim as a draft FHIR Claim (profile {@code group-session-claim}). Pure. */
final class ClaimMapper {

  private static final String CARE_TEAM_ROLE =
      "http://terminology.hl7.org/CodeSystem/claimcareteamrole";

  private ClaimMapper() {}

  static Claim claim(Expected e, Date created) {
    Claim claim = new Claim();
    claim.getMeta().addProfile(BillingCodes.CLAIM_PROFILE);
    claim.addIdentifier().setSystem(BillingCodes.MEMBER_SESSION_SYSTEM).setValue(e.key());
    claim.setStatus(Claim.ClaimStatus.DRAFT);
    claim.setType(
        new CodeableConcept(
            new Coding(
                "http://terminology.hl7.org/CodeSystem/claim-type",
                "professional",
                "Professional")));
    claim.setUse(Claim.Use.CLAIM);
    claim.setPatient(new Reference(e.patient()));
    claim.getBillablePeriod().setStart(e.session().getStart()).setEnd(e.session().getEnd());
    claim.setCreated(created);
    if (e.provider() != null) {
      claim.setProvider(new Reference(e.provider()));
    }
    if (e.payerOrganization() != null) {
      claim.setInsurer(new Reference(e.payerOrganization()));
    }
    claim.setPriority(
        new CodeableConcept(
            new Coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal", null)));
    claim
        .addCareTeam()
        .setSequence(1)
        .setProvider(new Reference(e.rendering()))
        .setResponsible(true)
        .setRole(new CodeableConcept(new Coding(CARE_TEAM_ROLE, "primary", null)));
    int sequence = 2;
    for (String other : e.others()) {
      claim
          .addCareTeam()
          .setSequence(sequence++)
          .setProvider(new Reference(other))
          .setRole(new CodeableConcept(new Coding(CARE_TEAM_ROLE, "assist", null)));
    }
    for (int i = 0; i < e.diagnoses().size(); i++) {
      claim
          .addDiagnosis()
          .setSequence(i + 1)
          .setDiagnosis(
              new CodeableConcept(new Coding(BillingCodes.ICD10, e.diagnoses().get(i), null)));
    }
    claim
        .addInsurance()
        .setSequence(1)
        .setFocal(true)
        .setCoverage(new Reference(e.coverage().getIdElement().toUnqualifiedVersionless()));
    Claim.ItemComponent item = item(claim, 1, e.code(), e, e.rules().fee(e.code()));
    e.modifiers()
        .forEach(
            m ->
                item.addModifier(
                    new CodeableConcept(new Coding(BillingCodes.modifierSystem(m), m, null))));
    if (e.interactiveComplexity()) {
      String addOn = e.rules().interactiveComplexityCode();
      item(claim, 2, addOn, e, e.rules().fee(addOn));
    }
    claim.setTotal(new Money().setValue(e.amount()).setCurrency("USD"));
    return claim;
  }

  /** A service line, dated on the session's date of service in the group's zone. */
  private static Claim.ItemComponent item(
      Claim claim, int sequence, String code, Expected e, BigDecimal fee) {
    Claim.ItemComponent item = claim.addItem().setSequence(sequence);
    item.addCareTeamSequence(1);
    for (int d = 1; d <= Math.min(4, e.diagnoses().size()); d++) {
      item.addDiagnosisSequence(d);
    }
    item.setProductOrService(new CodeableConcept(new Coding(BillingCodes.CPT, code, null)));
    item.setServiced(new DateType(e.serviceDate().toString()));
    item.setLocation(new CodeableConcept(new Coding(BillingCodes.POS, e.placeOfService(), null)));
    item.getQuantity().setValue(1);
    item.setUnitPrice(new Money().setValue(fee).setCurrency("USD"));
    item.setNet(new Money().setValue(fee).setCurrency("USD"));
    if (e.encounter() != null) {
      item.addEncounter(new Reference(e.encounter().getIdElement().toUnqualifiedVersionless()));
    }
    return item;
  }
}
