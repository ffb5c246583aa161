package org.grouptherapy.billing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Resource;

/**
 * The rules of the 837P implementation guide (005010X222A1) a package's data must meet before a
 * file is written, each broken one as a sentence naming the resource and the fix: the billing
 * provider's NPI, tax id (REF*EI), street address with a nine-digit ZIP code and a phone or email
 * for the submitter contact; per claim the subscriber's name, member id, birth date, gender and
 * address (the subscriber is the patient), the payer's id, a diagnosis, and per line a CPT code,
 * place of service and date of service; a rendering provider, when named, with an NPI.
 */
final class X12ClaimChecks {

  /** The IRS employer identification number (US tax id) system. */
  static final String EIN = "urn:oid:2.16.840.1.113883.4.4";

  private X12ClaimChecks() {}

  static List<String> problems(List<Claim> claims, Map<String, Resource> resources) {
    List<String> problems = new ArrayList<>();
    if (claims.isEmpty()) {
      return problems;
    }
    String providerId = References.of(claims.get(0).getProvider());
    Organization provider = (Organization) resources.get(providerId);
    billingProvider(provider, providerId, problems);
    for (Claim claim : claims) {
      claim(claim, resources, problems);
    }
    return problems.stream().distinct().toList();
  }

  private static void billingProvider(Organization provider, String id, List<String> problems) {
    if (provider == null) {
      problems.add("The billing provider " + id + " cannot be read");
      return;
    }
    if (digits(npi(provider.getIdentifier())).length() != 10) {
      problems.add(
          id + " (billing provider) needs a 10-digit NPI (identifier " + BillingCodes.NPI + ")");
    }
    if (taxId(provider).isEmpty()) {
      problems.add(
          id
              + " (billing provider) needs its 9-digit employer identification number (identifier "
              + EIN
              + "): 837P loop 2010AA REF*EI");
    }
    Address address = provider.getAddressFirstRep();
    if (!address.hasLine() || !address.hasCity() || !address.hasState()) {
      problems.add(id + " (billing provider) needs a street address, city and state");
    }
    if (digits(address.getPostalCode()).length() != 9) {
      problems.add(
          id
              + " (billing provider) needs a nine-digit ZIP code (ZIP+4), not '"
              + (address.hasPostalCode() ? address.getPostalCode() : "")
              + "': 837P loop 2010AA N4");
    }
    if (phone(provider).isEmpty() && email(provider).isEmpty()) {
      problems.add(
          id + " (billing provider) needs a work phone or email for the submitter contact (PER)");
    }
  }

  private static void claim(Claim claim, Map<String, Resource> resources, List<String> problems) {
    String claimId = claim.getIdentifierFirstRep().getValue();
    String patientId = References.of(claim.getPatient());
    Patient patient = (Patient) resources.get(patientId);
    if (patient == null) {
      problems.add("Claim " + claimId + ": " + patientId + " cannot be read");
      return;
    }
    HumanName name = patient.getNameFirstRep();
    if (!name.hasFamily() || !name.hasGiven()) {
      problems.add(patientId + " needs a family and a given name (837P loop 2010BA NM1)");
    }
    if (!patient.hasBirthDate() || !patient.hasGender()) {
      problems.add(patientId + " needs a birth date and gender (837P loop 2010BA DMG)");
    }
    Address address = patient.getAddressFirstRep();
    int zip = digits(address.getPostalCode()).length();
    if (!address.hasLine() || !address.hasCity() || !address.hasState() || (zip != 5 && zip != 9)) {
      problems.add(patientId + " needs a street address, city, state and ZIP code (2010BA N3/N4)");
    }
    Coverage coverage =
        (Coverage) resources.get(References.of(claim.getInsuranceFirstRep().getCoverage()));
    if (coverage == null || !coverage.hasSubscriberId()) {
      problems.add(patientId + "'s coverage needs the member id (subscriberId; 2010BA NM109)");
    }
    Organization payer = (Organization) resources.get(References.of(claim.getInsurer()));
    if (payerId(payer) == null) {
      problems.add(
          "Claim "
              + claimId
              + ": the payer needs its payer id (identifier "
              + BillingCodes.PAYER_ID
              + "; 2010BB NM109)");
    }
    if (!claim.hasDiagnosis()) {
      problems.add("Claim " + claimId + " needs a diagnosis (HI)");
    }
    ClaimDifferences.renderingOf(claim)
        .map(r -> (Practitioner) resources.get(r))
        .filter(p -> digits(npi(p.getIdentifier())).length() != 10)
        .ifPresent(
            p ->
                problems.add(
                    References.of(p) + " (rendering provider) needs a 10-digit NPI (2310B NM109)"));
    for (Claim.ItemComponent item : claim.getItem()) {
      if (!item.getProductOrService().getCodingFirstRep().hasCode()
          || !item.getLocationCodeableConcept().getCodingFirstRep().hasCode()
          || !item.hasServicedDateType()) {
        problems.add(
            "Claim "
                + claimId
                + " line "
                + item.getSequence()
                + " needs a CPT code, a place of service and a date of service (SV1, DTP*472)");
      }
    }
  }

  static Optional<String> taxId(Organization provider) {
    return provider == null
        ? Optional.empty()
        : provider.getIdentifier().stream()
            .filter(i -> EIN.equals(i.getSystem()))
            .map(i -> digits(i.getValue()))
            .filter(ein -> ein.length() == 9)
            .findFirst();
  }

  /** The work phone as ten digits (a leading US country code dropped). */
  static Optional<String> phone(Organization provider) {
    return telecom(provider, ContactPoint.ContactPointSystem.PHONE)
        .map(X12ClaimChecks::digits)
        .map(d -> d.length() == 11 && d.startsWith("1") ? d.substring(1) : d)
        .filter(d -> d.length() == 10);
  }

  static Optional<String> email(Organization provider) {
    return telecom(provider, ContactPoint.ContactPointSystem.EMAIL)
        .filter(e -> e.matches("[^*~:^\\s]+@[^*~:^\\s]+"));
  }

  static String payerId(Organization payer) {
    return payer == null
        ? null
        : payer.getIdentifier().stream()
            .filter(i -> BillingCodes.PAYER_ID.equals(i.getSystem()))
            .map(Identifier::getValue)
            .findFirst()
            .orElse(null);
  }

  private static Optional<String> telecom(
      Organization provider, ContactPoint.ContactPointSystem system) {
    return provider == null
        ? Optional.empty()
        : provider.getTelecom().stream()
            .filter(t -> t.getSystem() == system && t.hasValue())
            .filter(t -> t.getUse() != ContactPoint.ContactPointUse.OLD)
            .map(ContactPoint::getValue)
            .findFirst();
  }

  private static String npi(List<Identifier> identifiers) {
    return identifiers.stream()
        .filter(i -> BillingCodes.NPI.equals(i.getSystem()))
        .map(Identifier::getValue)
        .findFirst()
        .orElse(null);
  }

  private static String digits(String value) {
    return value == null ? "" : value.replaceAll("[^0-9]", "");
  }
}
