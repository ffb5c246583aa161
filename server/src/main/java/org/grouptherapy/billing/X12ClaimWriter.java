package org.grouptherapy.billing;

import io.xlate.edi.stream.EDIOutputFactory;
import io.xlate.edi.stream.EDIStreamException;
import io.xlate.edi.stream.EDIStreamWriter;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.grouptherapy.kernel.References;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Resource;

/**
 * Writes a billing package as one X12 837 professional claim interchange (005010X222A1) with
 * StAEDI: billing provider, then per claim the subscriber (the member), payer, the claim with its
 * diagnoses (HI), the rendering provider (2310B, NPI) and its service lines (SV1 with CPT,
 * modifiers, place of service and diagnosis pointers; DTP*472 date of service). One claim per
 * member and session.
 */
final class X12ClaimWriter {

  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd");
  private static final DateTimeFormatter SHORT_DATE = DateTimeFormatter.ofPattern("yyMMdd");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HHmm");

  /** StAEDI's X12 00501 control schema: the envelope is validated as it is written. */
  private static final io.xlate.edi.schema.Schema CONTROL;

  static {
    try {
      CONTROL =
          io.xlate.edi.schema.SchemaFactory.newFactory()
              .getControlSchema(
                  io.xlate.edi.stream.EDIStreamConstants.Standards.X12, new String[] {"00501"});
    } catch (io.xlate.edi.schema.EDISchemaException e) {
      throw new IllegalStateException("StAEDI has no X12 00501 control schema", e);
    }
  }

  private X12ClaimWriter() {}

  static String write(
      List<Claim> claims, Map<String, Resource> resources, String control, ZonedDateTime now) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EDIOutputFactory factory = EDIOutputFactory.newFactory();
    factory.setProperty(EDIOutputFactory.PRETTY_PRINT, true);
    factory.setProperty(EDIOutputFactory.TRUNCATE_EMPTY_ELEMENTS, true);
    String interchange =
        String.format(Locale.ROOT, "%09d", Math.abs(control.hashCode()) % 1_000_000_000);
    try (EDIStreamWriter x12 = factory.createEDIStreamWriter(out, "US-ASCII")) {
      // The envelope (ISA/GS/ST … SE/GE/IEA) is checked against StAEDI's X12 00501 control schema.
      x12.setControlSchema(CONTROL);
      x12.startInterchange();
      segment(
          x12,
          "ISA",
          "00",
          pad("", 10),
          "00",
          pad("", 10),
          "ZZ",
          pad("GROUPTHERAPY", 15),
          "ZZ",
          pad("CLEARINGHOUSE", 15),
          now.format(SHORT_DATE),
          now.format(TIME),
          "^",
          "00501",
          interchange,
          "0",
          "P",
          ":");
      segment(
          x12,
          "GS",
          "HC",
          "GROUPTHERAPY",
          "CLEARINGHOUSE",
          now.format(DATE),
          now.format(TIME),
          "1",
          "X",
          "005010X222A1");
      int segments = 0;
      segment(x12, "ST", "837", "0001", "005010X222A1");
      segments++;
      segment(x12, "BHT", "0019", "00", control, now.format(DATE), now.format(TIME), "CH");
      segments++;
      Organization provider =
          (Organization) resources.get(References.of(claims.get(0).getProvider()));
      String providerName = provider == null ? "GROUP PRACTICE" : provider.getName();
      String providerNpi = provider == null ? null : npi(provider.getIdentifier());
      segment(x12, "NM1", "41", "2", upper(providerName), "", "", "", "", "46", "GROUPTHERAPY");
      segment(x12, "PER", "IC", "BILLING OFFICE");
      segment(x12, "NM1", "40", "2", "CLEARINGHOUSE", "", "", "", "", "46", "CLEARINGHOUSE");
      segments += 3;
      segment(x12, "HL", "1", "", "20", "1");
      segment(
          x12, "NM1", "85", "2", upper(providerName), "", "", "", "", "XX", orNone(providerNpi));
      segments += 2;
      segments += address(x12, provider == null ? null : provider.getAddressFirstRep());
      int hl = 1;
      for (Claim claim : claims) {
        Patient patient = (Patient) resources.get(References.of(claim.getPatient()));
        Coverage coverage =
            (Coverage) resources.get(References.of(claim.getInsuranceFirstRep().getCoverage()));
        Organization payer = (Organization) resources.get(References.of(claim.getInsurer()));
        hl++;
        segment(x12, "HL", String.valueOf(hl), "1", "22", "0");
        segment(
            x12,
            "SBR",
            "P",
            "18",
            coverage == null || coverage.getClass_().isEmpty()
                ? ""
                : coverage.getClass_().get(0).getValue(),
            "",
            "",
            "",
            "",
            "",
            "CI");
        HumanName name = patient == null ? new HumanName() : patient.getNameFirstRep();
        segment(
            x12,
            "NM1",
            "IL",
            "1",
            upper(name.getFamily()),
            upper(name.getGivenAsSingleString()),
            "",
            "",
            "",
            "MI",
            coverage == null ? "UNKNOWN" : orNone(coverage.getSubscriberId()));
        segments += 3;
        segments += address(x12, patient == null ? null : patient.getAddressFirstRep());
        if (patient != null && patient.hasBirthDate()) {
          segment(
              x12,
              "DMG",
              "D8",
              patient.getBirthDateElement().getValueAsString().replace("-", ""),
              patient.hasGender()
                  ? patient.getGender().toCode().substring(0, 1).toUpperCase()
                  : "U");
          segments++;
        }
        segment(
            x12,
            "NM1",
            "PR",
            "2",
            upper(payer == null ? "PAYER" : payer.getName()),
            "",
            "",
            "",
            "",
            "PI",
            payer == null
                ? "UNKNOWN"
                : payer.getIdentifier().stream()
                    .filter(i -> BillingCodes.PAYER_ID.equals(i.getSystem()))
                    .map(Identifier::getValue)
                    .findFirst()
                    .orElse("UNKNOWN"));
        segments++;
        Claim.ItemComponent first = claim.getItemFirstRep();
        String pos = first.getLocationCodeableConcept().getCodingFirstRep().getCode();
        x12.writeStartSegment("CLM")
            .writeElement(claim.getIdentifierFirstRep().getValue())
            .writeElement(money(claim.getTotal().getValue()))
            .writeEmptyElement()
            .writeEmptyElement();
        x12.writeStartElement()
            .writeComponent(pos)
            .writeComponent("B")
            .writeComponent("1")
            .endElement();
        x12.writeElement("Y")
            .writeElement("A")
            .writeElement("Y")
            .writeElement("Y")
            .writeEndSegment();
        segments++;
        x12.writeStartSegment("HI");
        for (int i = 0; i < claim.getDiagnosis().size() && i < 12; i++) {
          String code =
              claim
                  .getDiagnosis()
                  .get(i)
                  .getDiagnosisCodeableConcept()
                  .getCodingFirstRep()
                  .getCode();
          x12.writeStartElement()
              .writeComponent(i == 0 ? "ABK" : "ABF")
              .writeComponent(code.replace(".", ""))
              .endElement();
        }
        x12.writeEndSegment();
        segments++;
        String rendering = ClaimDifferences.renderingOf(claim).orElse(null);
        Practitioner practitioner =
            rendering == null ? null : (Practitioner) resources.get(rendering);
        if (practitioner != null) {
          HumanName who = practitioner.getNameFirstRep();
          segment(
              x12,
              "NM1",
              "82",
              "1",
              upper(who.getFamily()),
              upper(who.getGivenAsSingleString()),
              "",
              "",
              "",
              "XX",
              orNone(npi(practitioner.getIdentifier())));
          segments++;
        }
        int line = 0;
        for (Claim.ItemComponent item : claim.getItem()) {
          line++;
          segment(x12, "LX", String.valueOf(line));
          x12.writeStartSegment("SV1");
          x12.writeStartElement()
              .writeComponent("HC")
              .writeComponent(item.getProductOrService().getCodingFirstRep().getCode());
          item.getModifier().forEach(m -> component(x12, m.getCodingFirstRep().getCode()));
          x12.endElement();
          x12.writeElement(money(item.getNet().getValue()))
              .writeElement("UN")
              .writeElement(item.getQuantity().getValue().stripTrailingZeros().toPlainString())
              .writeElement(item.getLocationCodeableConcept().getCodingFirstRep().getCode())
              .writeEmptyElement();
          x12.writeStartElement();
          item.getDiagnosisSequence().forEach(d -> component(x12, String.valueOf(d.getValue())));
          x12.endElement();
          x12.writeEndSegment();
          segment(
              x12,
              "DTP",
              "472",
              "D8",
              item.getServicedDateType().getValueAsString().replace("-", ""));
          segments += 3;
        }
      }
      segments++;
      segment(x12, "SE", String.valueOf(segments), "0001");
      segment(x12, "GE", "1", "1");
      segment(x12, "IEA", "1", interchange);
      x12.endInterchange();
    } catch (EDIStreamException e) {
      throw new IllegalStateException("The 837P could not be written: " + e.getMessage(), e);
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static int address(EDIStreamWriter x12, Address address) throws EDIStreamException {
    if (address == null || address.getLine().isEmpty()) {
      return 0;
    }
    segment(x12, "N3", upper(address.getLine().get(0).getValue()));
    segment(
        x12,
        "N4",
        upper(address.getCity()),
        upper(address.getState()),
        address.getPostalCode() == null ? "" : address.getPostalCode());
    return 2;
  }

  private static void component(EDIStreamWriter x12, String value) {
    try {
      x12.writeComponent(value);
    } catch (EDIStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void segment(EDIStreamWriter x12, String tag, String... elements)
      throws EDIStreamException {
    x12.writeStartSegment(tag);
    List<String> values = new ArrayList<>(List.of(elements));
    for (String value : values) {
      if (value == null || value.isEmpty()) {
        x12.writeEmptyElement();
      } else {
        x12.writeElement(value);
      }
    }
    x12.writeEndSegment();
  }

  private static String npi(List<Identifier> identifiers) {
    return identifiers.stream()
        .filter(i -> BillingCodes.NPI.equals(i.getSystem()))
        .map(Identifier::getValue)
        .findFirst()
        .orElse(null);
  }

  private static String money(BigDecimal value) {
    return value == null ? "0" : value.stripTrailingZeros().toPlainString();
  }

  private static String pad(String value, int width) {
    return String.format(Locale.ROOT, "%-" + width + "s", value).substring(0, width);
  }

  /** X12 basic character set: upper case, no element or segment separators. */
  private static String upper(String value) {
    return value == null
        ? ""
        : value.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9 .,&'()/-]", "").strip();
  }

  private static String orNone(String value) {
    return value == null || value.isBlank() ? "UNKNOWN" : value;
  }

  static ZonedDateTime now(java.time.Clock clock) {
    return ZonedDateTime.now(clock.withZone(ZoneId.of("America/New_York")));
  }
}
