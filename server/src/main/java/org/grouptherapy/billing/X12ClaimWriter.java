package org.grouptherapy.billing;

import io.xlate.edi.stream.EDIOutputFactory;
import io.xlate.edi.stream.EDIStreamException;
import io.xlate.edi.stream.EDIStreamWriter;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.grouptherapy.kernel.References;
import org.grouptherapy.system.AppProperties;
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

  /**
   * Who sends the file to whom, its control number (ISA13 and GS06, unique per file) and the
   * package's reference (BHT03).
   */
  record Envelope(
      AppProperties.Clearinghouse clearinghouse, long controlNumber, String reference) {}

  private final EDIStreamWriter x12;
  private final Map<String, Resource> resources;
  private final Envelope envelope;
  private final Function<String, String> filingIndicator;
  private int segments;

  private X12ClaimWriter(
      EDIStreamWriter x12,
      Map<String, Resource> resources,
      Envelope envelope,
      Function<String, String> filingIndicator) {
    this.x12 = x12;
    this.resources = resources;
    this.envelope = envelope;
    this.filingIndicator = filingIndicator;
  }

  /**
   * @param filingIndicator each payer's claim filing indicator (SBR09) by payer id
   * @param now when the file is written, in the practice's zone
   */
  static String write(
      List<Claim> claims,
      Map<String, Resource> resources,
      Envelope envelope,
      Function<String, String> filingIndicator,
      ZonedDateTime now) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    EDIOutputFactory factory = EDIOutputFactory.newFactory();
    factory.setProperty(EDIOutputFactory.PRETTY_PRINT, true);
    factory.setProperty(EDIOutputFactory.TRUNCATE_EMPTY_ELEMENTS, true);
    String interchange = String.format(Locale.ROOT, "%09d", envelope.controlNumber());
    try (EDIStreamWriter x12 = factory.createEDIStreamWriter(out, "US-ASCII")) {
      // The envelope (ISA/GS/ST … SE/GE/IEA) is checked against StAEDI's X12 00501 control schema.
      x12.setControlSchema(CONTROL);
      x12.startInterchange();
      new X12ClaimWriter(x12, resources, envelope, filingIndicator)
          .interchange(claims, envelope.reference(), interchange, now);
      x12.endInterchange();
    } catch (EDIStreamException e) {
      throw new IllegalStateException("The 837P could not be written: " + e.getMessage(), e);
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private void interchange(
      List<Claim> claims, String control, String interchange, ZonedDateTime now)
      throws EDIStreamException {
    envelope(
        "ISA",
        "00",
        pad("", 10),
        "00",
        pad("", 10),
        house().senderQualifier(),
        pad(house().senderId(), 15),
        house().receiverQualifier(),
        pad(house().receiverId(), 15),
        now.format(SHORT_DATE),
        now.format(TIME),
        "^",
        "00501",
        interchange,
        "0",
        house().usage(),
        ":");
    String group = String.valueOf(envelope.controlNumber());
    envelope(
        "GS",
        "HC",
        house().senderId(),
        house().receiverId(),
        now.format(DATE),
        now.format(TIME),
        group,
        "X",
        "005010X222A1");
    segment("ST", "837", "0001", "005010X222A1");
    segment("BHT", "0019", "00", control, now.format(DATE), now.format(TIME), "CH");
    Organization provider =
        (Organization) resources.get(References.of(claims.get(0).getProvider()));
    billingProvider(provider);
    int hl = 1;
    for (Claim claim : claims) {
      hl++;
      claim(claim, hl);
    }
    segment("SE", String.valueOf(segments + 1), "0001");
    envelope("GE", "1", group);
    envelope("IEA", "1", interchange);
  }

  /** Submitter, receiver and the billing provider (loops 1000A, 1000B, 2000A/2010AA). */
  private void billingProvider(Organization provider) throws EDIStreamException {
    String providerName = provider == null ? "GROUP PRACTICE" : provider.getName();
    String providerNpi = provider == null ? null : npi(provider.getIdentifier());
    segment("NM1", "41", "2", upper(providerName), "", "", "", "", "46", house().senderId());
    List<String> contact = new ArrayList<>(List.of("IC", upper(house().contactName())));
    X12ClaimChecks.phone(provider).ifPresent(p -> contact.addAll(List.of("TE", p)));
    X12ClaimChecks.email(provider).ifPresent(e -> contact.addAll(List.of("EM", e)));
    segment("PER", contact.toArray(String[]::new));
    segment(
        "NM1",
        "40",
        "2",
        upper(house().receiverName()),
        "",
        "",
        "",
        "",
        "46",
        house().receiverId());
    segment("HL", "1", "", "20", "1");
    segment("NM1", "85", "2", upper(providerName), "", "", "", "", "XX", orNone(providerNpi));
    address(provider == null ? null : provider.getAddressFirstRep());
    X12ClaimChecks.taxId(provider).ifPresent(ein -> segment("REF", "EI", ein));
  }

  private AppProperties.Clearinghouse house() {
    return envelope.clearinghouse();
  }

  /** One member-session: subscriber, payer, the claim, its rendering provider and lines. */
  private void claim(Claim claim, int hl) throws EDIStreamException {
    Patient patient = (Patient) resources.get(References.of(claim.getPatient()));
    Coverage coverage =
        (Coverage) resources.get(References.of(claim.getInsuranceFirstRep().getCoverage()));
    Organization payer = (Organization) resources.get(References.of(claim.getInsurer()));
    segment("HL", String.valueOf(hl), "1", "22", "0");
    subscriber(patient, coverage, filingIndicator.apply(X12ClaimChecks.payerId(payer)));
    segment(
        "NM1",
        "PR",
        "2",
        upper(payer == null ? "PAYER" : payer.getName()),
        "",
        "",
        "",
        "",
        "PI",
        orNone(X12ClaimChecks.payerId(payer)));
    claimSegment(claim);
    diagnoses(claim);
    renderingProvider(claim);
    int line = 0;
    for (Claim.ItemComponent item : claim.getItem()) {
      line(++line, item);
    }
  }

  /** The member as subscriber (loop 2000B/2010BA). */
  private void subscriber(Patient patient, Coverage coverage, String filing)
      throws EDIStreamException {
    segment(
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
        filing);
    HumanName name = patient == null ? new HumanName() : patient.getNameFirstRep();
    segment(
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
    address(patient == null ? null : patient.getAddressFirstRep());
    if (patient != null && patient.hasBirthDate()) {
      segment(
          "DMG",
          "D8",
          patient.getBirthDateElement().getValueAsString().replace("-", ""),
          patient.hasGender() ? patient.getGender().toCode().substring(0, 1).toUpperCase() : "U");
    }
  }

  private void claimSegment(Claim claim) throws EDIStreamException {
    String pos = claim.getItemFirstRep().getLocationCodeableConcept().getCodingFirstRep().getCode();
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
    x12.writeElement("Y").writeElement("A").writeElement("Y").writeElement("Y").writeEndSegment();
    segments++;
  }

  /** HI: the principal diagnosis (ABK), then the others (ABF), at most 12. */
  private void diagnoses(Claim claim) throws EDIStreamException {
    x12.writeStartSegment("HI");
    for (int i = 0; i < claim.getDiagnosis().size() && i < 12; i++) {
      String code =
          claim.getDiagnosis().get(i).getDiagnosisCodeableConcept().getCodingFirstRep().getCode();
      x12.writeStartElement()
          .writeComponent(i == 0 ? "ABK" : "ABF")
          .writeComponent(code.replace(".", ""))
          .endElement();
    }
    x12.writeEndSegment();
    segments++;
  }

  /** The rendering provider (loop 2310B), the one who bills this member for the session. */
  private void renderingProvider(Claim claim) throws EDIStreamException {
    String rendering = ClaimDifferences.renderingOf(claim).orElse(null);
    Practitioner practitioner = rendering == null ? null : (Practitioner) resources.get(rendering);
    if (practitioner == null) {
      return;
    }
    HumanName who = practitioner.getNameFirstRep();
    segment(
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
  }

  /** A service line (loop 2400): LX, SV1, DTP*472 (date of service). */
  private void line(int number, Claim.ItemComponent item) throws EDIStreamException {
    segment("LX", String.valueOf(number));
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
    segments++;
    segment("DTP", "472", "D8", item.getServicedDateType().getValueAsString().replace("-", ""));
  }

  private void address(Address address) throws EDIStreamException {
    if (address == null || address.getLine().isEmpty()) {
      return;
    }
    segment("N3", upper(address.getLine().get(0).getValue()));
    segment(
        "N4",
        upper(address.getCity()),
        upper(address.getState()),
        address.getPostalCode() == null ? "" : address.getPostalCode().replaceAll("[^0-9]", ""));
  }

  private static void component(EDIStreamWriter x12, String value) {
    try {
      x12.writeComponent(value);
    } catch (EDIStreamException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A segment of the transaction set (counted for SE01). */
  private void segment(String tag, String... elements) {
    try {
      envelope(tag, elements);
    } catch (EDIStreamException e) {
      throw new IllegalStateException("The 837P could not be written: " + e.getMessage(), e);
    }
    segments++;
  }

  /** An envelope segment (ISA, GS, GE, IEA): outside the transaction set's count. */
  private void envelope(String tag, String... elements) throws EDIStreamException {
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
}
