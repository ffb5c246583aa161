package org.grouptherapy.billing;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.References;
import org.grouptherapy.support.FhirHttp;
import org.grouptherapy.support.Fixtures;
import org.grouptherapy.support.IntegrationTest;
import org.grouptherapy.support.SmartAuth;
import org.grouptherapy.support.TestPractice;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Attendance, notes and claims over real HTTP: $record-attendance, $reconcile-attendance, the
 * billing package as a Bundle and as an 837P parsed back with StAEDI, and the bad input of each.
 */
@IntegrationTest
class AttendanceAndBillingIT {

  static final String SD = Fixtures.BASE + "/StructureDefinition/";

  @LocalServerPort int port;
  @Autowired FhirContext fhirContext;

  /** Dates of service are local dates in the practice's zone, as the server reads them. */
  @Autowired org.grouptherapy.kernel.PracticeTime practiceTime;

  @Autowired ca.uhn.fhir.validation.IValidatorModule validatorModule;

  FhirHttp fhir;
  TestPractice practice;
  String primary;
  String co;
  String payer;
  String payerId;

  @BeforeEach
  void setUp() {
    fhir = new FhirHttp(port, fhirContext);
    practice = new TestPractice(fhir);
    primary = practice.practitioner("Renders", "Process groups");
    co = practice.practitioner("Assists", "Process groups");
    payerId = "T" + Fixtures.uniqueId().substring(0, 8);
    Organization organization = new Organization().setName("Test Health Plan " + payerId);
    organization
        .addIdentifier()
        .setSystem("http://grouptherapy.example.org/identifiers/payer-id")
        .setValue(payerId);
    payer = fhir.create("Organization", organization);
  }

  @Test
  void attendanceNotesAndCoverageBecomeOneClaimPerMemberThatAPackageAndAn837Carry()
      throws Exception {
    String ann = member("Ann", "F33.1");
    String ben = member("Ben", "F41.1");
    String cal = member("Cal", null); // no diagnosis
    String dot = member("Dot", "F43.21");
    String group = groupOf(List.of(ann, ben, cal, dot), null, "process");
    String session = pastSession(group, List.of(ann, ben, cal, dot), 2, 90, false);

    Parameters.ParametersParameterComponent[] marks = {
      attendance(ann, "attended"),
      attendance(ben, "late", "minutesLate", 10),
      attendance(cal, "left-early", "minutesLeftEarly", 15),
      attendance(dot, "no-show")
    };
    Parameters recorded = recordAttendance(session, marks);
    assertThat(recorded.getParameter().stream().filter(p -> p.getName().equals("encounter")))
        .hasSize(3);
    assertThat(recorded.getParameter("changed").getValue().primitiveValue()).isEqualTo("true");
    Appointment after = fhir.get(session).resource(Appointment.class);
    assertThat(statusOf(after, dot)).isEqualTo(Appointment.ParticipationStatus.DECLINED);
    Encounter benEncounter = encounterOf(session, ben);
    assertThat(benEncounter.getStatus()).isEqualTo(Encounter.EncounterStatus.FINISHED);
    assertThat(benEncounter.getPeriod().getStart().toInstant())
        .isEqualTo(after.getStart().toInstant().plus(10, ChronoUnit.MINUTES));
    // Attendance is written as the server's own writes, which the storage layer does not
    // validate: what it wrote conforms to the profiles the session claims.
    assertThat(after.getMeta().getProfile()).isNotEmpty();
    var conformance = new org.grouptherapy.support.ProfileConformance(fhirContext, validatorModule);
    assertThat(conformance.errors(after)).isEmpty();
    assertThat(conformance.errors(benEncounter)).isEmpty();

    // The same input again changes nothing: no new versions.
    Parameters again = recordAttendance(session, marks);
    assertThat(again.getParameter("changed").getValue().primitiveValue()).isEqualTo("false");
    assertThat(encounterOf(session, ben).getMeta().getVersionId())
        .isEqualTo(benEncounter.getMeta().getVersionId());

    note(ann, encounterOf(session, ann), primary, true, true);
    String benNote = note(ben, benEncounter, primary, false, false);
    note(cal, encounterOf(session, cal), primary, true, false);

    Parameters first = reconcile(session);
    assertThat(intOf(first, "created")).isEqualTo(1); // Ann: Ben's note unsigned, Cal undiagnosed
    OperationOutcome problems = (OperationOutcome) first.getParameter("outcome").getResource();
    assertThat(codes(problems))
        .contains("unsigned-note", "missing-diagnosis", "attendance-without-claim");
    assertThat(fixOf(problems, "unsigned-note")).contains("signs it");
    Claim annClaim = claimOf(session, ann);
    assertThat(annClaim.getStatus()).isEqualTo(Claim.ClaimStatus.DRAFT);
    assertThat(annClaim.getItem()).hasSize(2);
    assertThat(annClaim.getItem().get(0).getProductOrService().getCodingFirstRep().getCode())
        .isEqualTo("90853");
    assertThat(annClaim.getItem().get(1).getProductOrService().getCodingFirstRep().getCode())
        .isEqualTo("90785");
    assertThat(
            annClaim.getItemFirstRep().getLocationCodeableConcept().getCodingFirstRep().getCode())
        .isEqualTo("11");
    assertThat(annClaim.getCareTeam().get(0).getProvider().getReference()).isEqualTo(primary);
    assertThat(annClaim.getCareTeam().get(1).getProvider().getReference()).isEqualTo(co);
    assertThat(annClaim.getCareTeam().get(1).getRole().getCodingFirstRep().getCode())
        .isEqualTo("assist");
    assertThat(annClaim.getItem())
        .allSatisfy(
            i ->
                assertThat(i.getCareTeamSequence())
                    .extracting(s -> s.getValue())
                    .containsExactly(1));
    assertThat(annClaim.getTotal().getValue()).isEqualByComparingTo("83.00");

    // Valid against the project's Claim profile.
    OperationOutcome validation =
        fhir.post("Claim/$validate?profile=" + SD + "group-session-claim", annClaim)
            .resource(OperationOutcome.class);
    assertThat(validation.getIssue())
        .noneMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR);

    // Idempotent: a second run creates nothing.
    assertThat(intOf(reconcile(session), "created")).isZero();

    // Signing Ben's note makes his attendance billable.
    DocumentReference signed = fhir.get(benNote).resource(DocumentReference.class);
    signed.setDocStatus(DocumentReference.ReferredDocumentStatus.FINAL);
    signed.setAuthenticator(new Reference(primary));
    assertThat(fhir.put(benNote, signed).status()).isEqualTo(200);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(1);

    String today = practiceTime.today().toString();
    String weekAgo = practiceTime.today().minusDays(7).toString();
    Bundle pack =
        fhir.get(
                "Claim/"
                    + OperationNames.BILLING_PACKAGE
                    + "?start="
                    + weekAgo
                    + "&end="
                    + today
                    + "&payer="
                    + payerId)
            .resource(Bundle.class);
    List<String> types = pack.getEntry().stream().map(e -> e.getResource().fhirType()).toList();
    assertThat(types.stream().filter("Claim"::equals)).hasSize(2);
    assertThat(types)
        .contains(
            "Patient",
            "Coverage",
            "Organization",
            "Practitioner",
            "Encounter",
            "Condition",
            "OperationOutcome");
    OperationOutcome held =
        (OperationOutcome) pack.getEntry().get(pack.getEntry().size() - 1).getResource();
    assertThat(codes(held)).contains("missing-diagnosis");

    String x12Query =
        "Claim/"
            + OperationNames.BILLING_PACKAGE
            + "?start="
            + weekAgo
            + "&end="
            + today
            + "&payer="
            + payerId
            + "&format=x12";
    // A clearinghouse would refuse this practice's file: no tax id, no ZIP+4, no contact, members
    // without birth date or address. Each is named; no file, no control number used.
    FhirHttp.Response refused = fhir.get(x12Query);
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.diagnostics())
        .contains("employer identification number")
        .contains("nine-digit ZIP code")
        .contains("needs a birth date and gender");
    completeForBilling(pack);
    Binary x12 = fhir.get(x12Query).resource(Binary.class);
    assertThat(x12.getContentType()).isEqualTo("application/edi-x12");
    List<List<String>> segments = parse(x12.getData());
    assertThat(segments.get(0).get(0)).isEqualTo("ISA");
    assertThat(tags(segments))
        .containsSubsequence(
            "ISA", "GS", "ST", "BHT", "NM1", "HL", "HL", "SBR", "NM1", "CLM", "HI", "NM1", "LX",
            "SV1", "DTP", "SE", "GE", "IEA");
    assertThat(segments.stream().filter(s -> s.get(0).equals("CLM"))).hasSize(2);
    List<String> sv1 = segments.stream().filter(s -> s.get(0).equals("SV1")).findFirst().get();
    assertThat(sv1.get(1)).startsWith("HC:90853");
    assertThat(sv1.get(5)).isEqualTo("11"); // place of service
    assertThat(segments.stream().filter(s -> s.get(0).equals("NM1") && s.get(1).equals("82")))
        .hasSize(2); // one rendering provider per claim
    assertThat(segments.stream().filter(s -> s.get(0).equals("HI")).findFirst().get().get(1))
        .startsWith("ABK:F33");
    // The clearinghouse confirms receipt: the claims become active and leave later packages.
    Parameters receipt = new Parameters();
    pack.getEntry().stream()
        .filter(e -> e.getResource() instanceof Claim)
        .forEach(
            e ->
                receipt
                    .addParameter()
                    .setName("claim")
                    .setValue(
                        new Reference(e.getResource().getIdElement().toUnqualifiedVersionless())));
    receipt
        .addParameter()
        .setName("package")
        .setValue(new org.hl7.fhir.r4.model.StringType(pack.getIdentifier().getValue()));
    Parameters received =
        fhir.post("Claim/" + OperationNames.MARK_RECEIVED, receipt).resource(Parameters.class);
    assertThat(intOf(received, "received")).isEqualTo(2);
    Parameters again2 =
        fhir.post("Claim/" + OperationNames.MARK_RECEIVED, receipt).resource(Parameters.class);
    assertThat(intOf(again2, "received")).isZero();
    assertThat(again2.getParameter("receipt").getValue().primitiveValue())
        .isEqualTo(received.getParameter("receipt").getValue().primitiveValue());
    assertThat(claimOf(session, ann).getStatus()).isEqualTo(Claim.ClaimStatus.ACTIVE);
    FhirHttp.Response repeat =
        fhir.get(
            "Claim/"
                + OperationNames.BILLING_PACKAGE
                + "?start="
                + weekAgo
                + "&end="
                + today
                + "&payer="
                + payerId);
    assertThat(repeat.status()).isEqualTo(422);
    assertThat(repeat.diagnostics()).contains("2 already received");

    int st = tags(segments).indexOf("ST");
    int se = tags(segments).indexOf("SE");
    assertThat(segments.get(se).get(1)).isEqualTo(String.valueOf(se - st + 1));
  }

  /**
   * The payer's 835 comes back: one claim paid, one denied. Each gets a ClaimResponse with the
   * reasons; importing the file again changes nothing; the billing summary names the denial in
   * words; a file that is not an 835 is refused.
   */
  @Test
  void anImportedRemittanceRecordsPaymentsAndDenialsAndTheSummarySaysWhy() {
    String paidMember = member("Remi", "F33.1");
    String deniedMember = member("Denny", "F33.1");
    String group = groupOf(List.of(paidMember, deniedMember), null, "process");
    String session = pastSession(group, List.of(paidMember, deniedMember), 4, 90, false);
    recordAttendance(
        session, attendance(paidMember, "attended"), attendance(deniedMember, "attended"));
    note(paidMember, encounterOf(session, paidMember), primary, true, false);
    note(deniedMember, encounterOf(session, deniedMember), primary, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(2);
    Claim paid = claimOf(session, paidMember);
    Claim denied = claimOf(session, deniedMember);
    String remittance = remittance(paid, denied, "EFT" + Fixtures.uniqueId().substring(0, 8));
    Parameters in = new Parameters();
    in.addParameter().setName("remittance").setValue(new StringType(remittance));

    FhirHttp.Response imported = fhir.post("Claim/" + OperationNames.IMPORT_REMITTANCE, in);
    assertThat(imported.status()).as(imported.toString()).isEqualTo(200);
    Parameters out = imported.resource(Parameters.class);
    assertThat(out.getParameter("paid").getValue().primitiveValue()).isEqualTo("1");
    assertThat(out.getParameter("denied").getValue().primitiveValue()).isEqualTo("1");
    assertThat(imported.body()).contains("NO-SUCH-CLAIM").contains("does not know");
    Bundle responses =
        fhir.get("ClaimResponse?request=" + References.of(denied)).resource(Bundle.class);
    assertThat(responses.getEntry()).hasSize(1);
    org.hl7.fhir.r4.model.ClaimResponse response =
        (org.hl7.fhir.r4.model.ClaimResponse) responses.getEntryFirstRep().getResource();
    assertThat(response.getDisposition())
        .startsWith("Denied")
        .contains("CO-50: not deemed a medical necessity")
        .contains("N290");
    assertThat(response.getItemFirstRep().getAdjudication())
        .anyMatch(a -> "50".equals(a.getReason().getCodingFirstRep().getCode()));

    // The same file again: nothing new.
    assertThat(fhir.post("Claim/" + OperationNames.IMPORT_REMITTANCE, in).status()).isEqualTo(200);
    assertThat(
            fhir.get("ClaimResponse?request=" + References.of(denied) + "&_summary=count")
                .resource(Bundle.class)
                .getTotal())
        .isEqualTo(1);

    // The billing summary says which claim was denied and why.
    Parameters summary =
        fhir.get(
                "Appointment/"
                    + OperationNames.BILLING_SUMMARY
                    + "?start="
                    + practiceTime.today().minusDays(20)
                    + "&end="
                    + practiceTime.today()
                    + "&group="
                    + group)
            .resource(Parameters.class);
    OperationOutcome said = (OperationOutcome) summary.getParameter("outcome").getResource();
    assertThat(codes(said)).contains("remittance-denied").doesNotContain("remittance-underpaid");
    assertThat(said.getIssue())
        .anyMatch(
            i ->
                i.getDiagnostics().contains(References.of(denied))
                    && i.getDiagnostics().contains("not deemed a medical necessity"));

    // Not an 835: refused, nothing written.
    Parameters garbage = new Parameters();
    garbage.addParameter().setName("remittance").setValue(new StringType("hello, clearinghouse"));
    assertThat(fhir.post("Claim/" + OperationNames.IMPORT_REMITTANCE, garbage).status())
        .isEqualTo(400);
  }

  /** An 835 that pays the first claim in full and denies the second (CO-50, N290). */
  private static String remittance(Claim paid, Claim denied, String trace) {
    String paidCharge = paid.getTotal().getValue().toPlainString();
    String deniedCharge = denied.getTotal().getValue().toPlainString();
    return String.join(
        "~\n",
        "ISA*00*          *00*          *ZZ*HARBORLINE     *ZZ*GROUPTHERAPY   *261201*1200*^*00501*000000777*0*P*:",
        "GS*HP*HARBORLINE*GROUPTHERAPY*20261201*1200*777*X*005010X221A1",
        "ST*835*0001*005010X221A1",
        "BPR*I*"
            + paidCharge
            + "*C*ACH*CCP*01*011000015*DA*123456*1512345678**01*011000015*DA*654321*20261201",
        "TRN*1*" + trace + "*1512345678",
        "N1*PR*HARBORLINE HEALTH PLAN",
        "N1*PE*RIVERBEND GROUP THERAPY*XX*1234567893",
        "LX*1",
        "CLP*"
            + paid.getIdentifierFirstRep().getValue()
            + "*1*"
            + paidCharge
            + "*"
            + paidCharge
            + "*0*12*PCN001",
        "NM1*QC*1*REMI*TEST",
        "SVC*HC:90853*" + paidCharge + "*" + paidCharge,
        "CLP*"
            + denied.getIdentifierFirstRep().getValue()
            + "*4*"
            + deniedCharge
            + "*0*0*12*PCN002",
        "CAS*CO*50*" + deniedCharge,
        "NM1*QC*1*DENNY*TEST",
        "SVC*HC:90853*" + deniedCharge + "*0",
        "LQ*HE*N290",
        "CLP*NO-SUCH-CLAIM*1*10*10*0*12*PCN003",
        "SE*16*0001",
        "GE*1*777",
        "IEA*1*000000777~");
  }

  /**
   * The same 835 sent twice at once (a clearinghouse retrying): each claim gets one ClaimResponse,
   * and both imports answer what the file says.
   */
  @Test
  void theSameRemittanceImportedTwiceAtOnceRecordsEachClaimOnce() throws Exception {
    String first = member("Twice", "F33.1");
    String second = member("Once", "F33.1");
    String group = groupOf(List.of(first, second), null, "process");
    String session = pastSession(group, List.of(first, second), 4, 90, false);
    recordAttendance(session, attendance(first, "attended"), attendance(second, "attended"));
    note(first, encounterOf(session, first), primary, true, false);
    note(second, encounterOf(session, second), primary, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(2);
    Claim paid = claimOf(session, first);
    Claim denied = claimOf(session, second);
    Parameters in = new Parameters();
    in.addParameter()
        .setName("remittance")
        .setValue(
            new StringType(remittance(paid, denied, "EFT" + Fixtures.uniqueId().substring(0, 8))));

    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<FhirHttp.Response>> imports = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      imports.add(pool.submit(() -> fhir.post("Claim/" + OperationNames.IMPORT_REMITTANCE, in)));
    }
    for (Future<FhirHttp.Response> done : imports) {
      FhirHttp.Response response = done.get();
      assertThat(response.status()).as(response.toString()).isEqualTo(200);
      Parameters out = response.resource(Parameters.class);
      assertThat(out.getParameter("paid").getValue().primitiveValue()).isEqualTo("1");
      assertThat(out.getParameter("denied").getValue().primitiveValue()).isEqualTo("1");
    }
    pool.shutdown();
    for (Claim claim : List.of(paid, denied)) {
      assertThat(
              fhir.get("ClaimResponse?request=" + References.of(claim) + "&_summary=count")
                  .resource(Bundle.class)
                  .getTotal())
          .isEqualTo(1);
    }
  }

  /**
   * The clearinghouse answers an 837 with a 999 (the whole file rejected, then a resent one
   * accepted) and the payer with a 277CA (one claim accepted, one rejected for the rendering
   * provider's NPI). Each claim gets a ClaimResponse; the summary names the rejected one with the
   * reason in words; a rejected claim goes into the next package again; the same file again changes
   * nothing; an unknown claim is a warning; a file of another kind is refused.
   */
  @Test
  void acknowledgementsAcceptOrRejectClaimsAndARejectedClaimGoesOutAgain() {
    String first = member("Acker", "F33.1");
    String second = member("Rejec", "F33.1");
    String group = groupOf(List.of(first, second), null, "process");
    String session = pastSession(group, List.of(first, second), 3, 90, false);
    recordAttendance(session, attendance(first, "attended"), attendance(second, "attended"));
    note(first, encounterOf(session, first), primary, true, false);
    note(second, encounterOf(session, second), primary, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(2);
    Claim accepted = claimOf(session, first);
    Claim rejected = claimOf(session, second);
    String packageQuery =
        "Claim/"
            + OperationNames.BILLING_PACKAGE
            + "?start="
            + practiceTime.today().minusDays(7)
            + "&end="
            + practiceTime.today()
            + "&payer="
            + payerId
            + "&group="
            + group;
    completeForBilling(fhir.get(packageQuery).resource(Bundle.class));
    String groupControl = gs06(fhir.get(packageQuery + "&format=x12").resource(Binary.class));
    Parameters receipt = new Parameters();
    receipt.addParameter().setName("claim").setValue(new Reference(References.of(accepted)));
    receipt.addParameter().setName("claim").setValue(new Reference(References.of(rejected)));
    assertThat(fhir.post("Claim/" + OperationNames.MARK_RECEIVED, receipt).status()).isEqualTo(200);
    assertThat(fhir.get(packageQuery).status()).isEqualTo(422); // both sent

    // The 999 rejects the whole file: both claims are rejected and go out again.
    Parameters rejectedFile =
        acknowledge(
            x12(
                "FA",
                "999",
                "005010X231A1",
                "000000811",
                "AK1*HC*" + groupControl + "*005010X222A1",
                "AK2*837*0001*005010X222A1",
                "IK3*NM1*23*2010BA*8",
                "IK4*9*67*7*ZZ",
                "IK5*R*5",
                "AK9*R*1*1*0"));
    assertThat(intOf(rejectedFile, "rejected")).isEqualTo(2);
    assertThat(((OperationOutcome) rejectedFile.getParameter("outcome").getResource()).getIssue())
        .anyMatch(i -> i.getDiagnostics().contains("segment NM1 (position 23)"))
        .anyMatch(i -> i.getDiagnostics().contains("invalid code value ('ZZ')"));
    OperationOutcome said = summaryOutcome(group);
    assertThat(codes(said).stream().filter("claim-rejected"::equals)).hasSize(2);
    Bundle again = fhir.get(packageQuery).resource(Bundle.class);
    assertThat(again.getEntry().stream().filter(e -> e.getResource() instanceof Claim)).hasSize(2);

    // Resent and accepted by the clearinghouse; the payer's 277CA accepts one and rejects one.
    String resent = gs06(fhir.get(packageQuery + "&format=x12").resource(Binary.class));
    assertThat(resent).isNotEqualTo(groupControl);
    Parameters acceptedFile =
        acknowledge(
            x12(
                "FA",
                "999",
                "005010X231A1",
                "000000812",
                "AK1*HC*" + resent + "*005010X222A1",
                "AK2*837*0001*005010X222A1",
                "IK5*A",
                "AK9*A*1*1*1"));
    assertThat(intOf(acceptedFile, "accepted")).isEqualTo(2);
    assertThat(codes(summaryOutcome(group))).doesNotContain("claim-rejected");

    String claimAck =
        x12(
            "HN",
            "277",
            "005010X214",
            "000000813",
            "BHT*0085*08*ACK813*20261202*0900*TH",
            "HL*1**20*1",
            "NM1*AY*2*CLAIMSHOUSE*****46*CH01",
            "TRN*1*ACK813",
            "HL*2*1*21*1",
            "NM1*41*2*RIVERBEND GROUP THERAPY*****46*GT01",
            "TRN*2*BATCH813",
            "STC*A1:19:PR*20261202*WQ*300",
            "HL*3*2*19*1",
            "NM1*85*2*RIVERBEND GROUP THERAPY*****XX*1234567893",
            "HL*4*3*PT",
            "NM1*QC*1*ACKER*TEST****MI*M1",
            "TRN*2*" + accepted.getIdentifierFirstRep().getValue(),
            "STC*A2:20:PR*20261202*WQ*" + accepted.getTotal().getValue().toPlainString(),
            "HL*5*3*PT",
            "NM1*QC*1*REJEC*TEST****MI*M2",
            "TRN*2*" + rejected.getIdentifierFirstRep().getValue(),
            "STC*A7:562:82*20261202*U*" + rejected.getTotal().getValue().toPlainString(),
            "HL*6*3*PT",
            "NM1*QC*1*NOBODY*TEST****MI*M3",
            "TRN*2*NO-SUCH-CLAIM",
            "STC*A3:21:QC*20261202*U*10");
    Parameters claims = acknowledge(claimAck);
    assertThat(intOf(claims, "accepted")).isEqualTo(1);
    assertThat(intOf(claims, "rejected")).isEqualTo(1);
    assertThat(
            ((OperationOutcome) claims.getParameter("outcome").getResource())
                .getIssue().stream()
                    .map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics))
        .anyMatch(d -> d.contains("NO-SUCH-CLAIM") && d.contains("did not send"));
    Bundle responses =
        fhir.get("ClaimResponse?request=" + References.of(rejected) + "&outcome=error")
            .resource(Bundle.class);
    assertThat(responses.getEntry()).hasSize(2); // the 999's, then the 277CA's
    said = summaryOutcome(group);
    assertThat(said.getIssue().stream().filter(i -> "claim-rejected".equals(codeOf(i))))
        .singleElement()
        .satisfies(
            i ->
                assertThat(i.getDiagnostics())
                    .contains(References.of(rejected))
                    .contains("National Provider Identifier")
                    .contains("the rendering provider"));

    // The same 277CA again: nothing new.
    acknowledge(claimAck);
    assertThat(
            fhir.get("ClaimResponse?request=" + References.of(rejected) + "&_summary=count")
                .resource(Bundle.class)
                .getTotal())
        .isEqualTo(3);

    // Not an acknowledgement, or not X12 at all: refused.
    FhirHttp.Response notAck =
        fhir.post(
            "Claim/" + OperationNames.IMPORT_ACKNOWLEDGEMENT,
            ackParameters(remittance(accepted, rejected, "EFT-NOT-ACK")));
    assertThat(notAck.status()).isEqualTo(400);
    assertThat(notAck.diagnostics()).contains("$import-remittance");
    assertThat(
            fhir.post("Claim/" + OperationNames.IMPORT_ACKNOWLEDGEMENT, ackParameters("not a file"))
                .status())
        .isEqualTo(400);
    assertThat(
            fhir.post("Claim/" + OperationNames.IMPORT_ACKNOWLEDGEMENT, new Parameters()).status())
        .isEqualTo(400);
  }

  private Parameters acknowledge(String x12) {
    FhirHttp.Response response =
        fhir.post("Claim/" + OperationNames.IMPORT_ACKNOWLEDGEMENT, ackParameters(x12));
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.resource(Parameters.class);
  }

  private static Parameters ackParameters(String x12) {
    Parameters in = new Parameters();
    in.addParameter().setName("acknowledgement").setValue(new StringType(x12));
    return in;
  }

  private OperationOutcome summaryOutcome(String group) {
    Parameters summary =
        fhir.get(
                "Appointment/"
                    + OperationNames.BILLING_SUMMARY
                    + "?start="
                    + practiceTime.today().minusDays(20)
                    + "&end="
                    + practiceTime.today()
                    + "&group="
                    + group)
            .resource(Parameters.class);
    return (OperationOutcome) summary.getParameter("outcome").getResource();
  }

  private static String codeOf(OperationOutcome.OperationOutcomeIssueComponent issue) {
    return issue.getDetails().getCodingFirstRep().getCode();
  }

  /** The functional group control number (GS06) of a written 837. */
  private static String gs06(Binary x12) {
    return parse(x12.getData()).stream()
        .filter(s -> s.get(0).equals("GS"))
        .findFirst()
        .orElseThrow()
        .get(6);
  }

  /** An interchange from the clearinghouse: the segments of one transaction set, enveloped. */
  private static String x12(
      String functionalId, String set, String version, String control, String... body) {
    List<String> segments = new ArrayList<>();
    segments.add(
        "ISA*00*          *00*          *ZZ*CLAIMSHOUSE01  *ZZ*GROUPTHERAPY   *261202*0900*^*00501*"
            + control
            + "*0*P*:");
    String group = String.valueOf(Long.parseLong(control));
    segments.add(
        "GS*"
            + functionalId
            + "*CLAIMSHOUSE01*GROUPTHERAPY*20261202*0900*"
            + group
            + "*X*"
            + version);
    segments.add("ST*" + set + "*0001*" + version);
    segments.addAll(List.of(body));
    segments.add("SE*" + (body.length + 2) + "*0001");
    segments.add("GE*1*" + group);
    segments.add("IEA*1*" + control);
    return String.join("~\n", segments) + "~";
  }

  /**
   * A coder reads a session's review package (notes, attendance, claims and why each code is there,
   * problems), as a Bundle and a printable page; the coder reads no other clinical data and writes
   * nothing; a biller, who reads no notes, gets no package.
   */
  @Test
  void aCoderReviewsASessionsDocumentationAndReadsNothingElseClinical() {
    String member = member("Cody", "F33.1", "MCD25");
    String group = groupOf(List.of(member), null, "process");
    String session = pastSession(group, List.of(member), 5, 90, true);
    recordAttendance(session, attendance(member, "attended"));
    note(member, encounterOf(session, member), primary, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(1);

    org.grouptherapy.support.SmartAuth auth = new org.grouptherapy.support.SmartAuth(port);
    FhirHttp coder = new FhirHttp(port, fhirContext, auth.userToken("coder", "openid user/*.rs"));
    FhirHttp.Response review = coder.get(session + "/" + OperationNames.CODER_REVIEW);
    assertThat(review.status()).as(review.toString()).isEqualTo(200);
    Bundle bundle = review.resource(Bundle.class);
    assertThat(bundle.getEntry().stream().map(e -> e.getResource().fhirType()))
        .contains("Appointment", "Patient", "Encounter", "DocumentReference", "Claim");
    String why =
        bundle.getEntry().stream()
            .filter(e -> e.getResource() instanceof OperationOutcome)
            .flatMap(e -> ((OperationOutcome) e.getResource()).getIssue().stream())
            .map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
            .collect(java.util.stream.Collectors.joining("\n"));
    assertThat(why)
        .contains("CPT 90853")
        .contains("(groupCode)")
        .contains("modifier HQ")
        .contains("(groupModifiers)")
        .contains("(telehealthModifiers)");

    FhirHttp.Response page =
        coder.get(session + "/" + OperationNames.CODER_REVIEW + "?format=html");
    assertThat(page.status()).isEqualTo(200);
    Binary html = page.resource(Binary.class);
    assertThat(html.getContentType()).isEqualTo("text/html");
    assertThat(new String(html.getData(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("Cody")
        .contains("CPT 90853")
        .contains("Signed by");

    // A format it does not write, a session that does not exist: said so.
    FhirHttp.Response pdf = coder.get(session + "/" + OperationNames.CODER_REVIEW + "?format=pdf");
    assertThat(pdf.status()).isEqualTo(400);
    assertThat(pdf.diagnostics()).contains("format must be fhir");
    assertThat(coder.get("Appointment/no-such-session/" + OperationNames.CODER_REVIEW).status())
        .isEqualTo(404);

    // Notes and claims, nothing else clinical; and no writes.
    assertThat(coder.get("DocumentReference?subject=" + member).status()).isEqualTo(200);
    assertThat(coder.get("Condition?subject=" + member).status()).isEqualTo(403);
    assertThat(coder.get("Observation?subject=" + member).status()).isEqualTo(403);
    Claim claim = claimOf(session, member);
    assertThat(coder.put(References.of(claim), claim).status()).isEqualTo(403);

    FhirHttp biller = new FhirHttp(port, fhirContext, auth.userToken("biller", "openid user/*.rs"));
    FhirHttp.Response refused = biller.get(session + "/" + OperationNames.CODER_REVIEW);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.diagnostics()).contains("DocumentReference");
  }

  @Test
  void telehealthPayerRulesAndASplitCoFacilitationGiveOneRenderingProviderEach() {
    String eve = member("Eve", "F32.1", "MCD25");
    String fay = member("Fay", "F32.1", "MCD25");
    String group = groupOf(List.of(eve, fay), "split", "process");
    String session = pastSession(group, List.of(eve, fay), 3, 60, true);
    recordAttendance(session, attendance(eve, "attended"), attendance(fay, "attended"));
    note(eve, encounterOf(session, eve), primary, true, false);
    note(fay, encounterOf(session, fay), co, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(2);
    Claim first = claimOf(session, eve);
    Claim second = claimOf(session, fay);
    assertThat(first.getItemFirstRep().getLocationCodeableConcept().getCodingFirstRep().getCode())
        .isEqualTo("10");
    assertThat(first.getItemFirstRep().getModifier())
        .extracting(m -> m.getCodingFirstRep().getCode())
        .containsExactly("95", "HQ");
    assertThat(first.getTotal().getValue()).isEqualByComparingTo("42.50");
    assertThat(
            List.of(
                first.getCareTeamFirstRep().getProvider().getReference(),
                second.getCareTeamFirstRep().getProvider().getReference()))
        .containsExactlyInAnyOrder(primary, co);
  }

  @Test
  void reconcileFindsDuplicatesTwoRenderersWrongCodingAndClaimsWithoutAttendance() {
    String gil = member("Gil", "F33.1");
    String hal = member("Hal", "F33.1");
    String group = groupOf(List.of(gil, hal), null, "process");
    String session = pastSession(group, List.of(gil, hal), 4, 90, false);
    recordAttendance(session, attendance(gil, "attended"), attendance(hal, "attended"));
    note(gil, encounterOf(session, gil), primary, true, false);
    note(hal, encounterOf(session, hal), primary, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(2);

    // Another system bills Gil again, by the co-facilitator, with the wrong place of service.
    Claim copy = claimOf(session, gil).copy();
    copy.setId((String) null);
    copy.getIdentifier().clear();
    copy.getMeta().getProfile().clear();
    copy.getCareTeamFirstRep().setProvider(new Reference(co));
    copy.getItemFirstRep().getLocationCodeableConcept().getCodingFirstRep().setCode("02");
    // Every write keeps one claim per member per session: 409 naming the claim that holds it.
    FhirHttp.Response refused = fhir.post("Claim", copy);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.diagnostics())
        .contains("is already billed for " + session)
        .contains(claimOf(session, gil).getIdElement().toUnqualifiedVersionless().getValue());
    // An import of an earlier system's claims may store it anyway, saying why; reconcile reports
    // it.
    FhirHttp.Response imported =
        fhir.post(
            "Claim",
            fhir.encode(copy),
            FhirHttp.FHIR_JSON,
            Map.of("X-Billing-Override-Reason", "Imported from the previous billing system"));
    assertThat(imported.status()).isEqualTo(201);
    String importedId =
        new org.hl7.fhir.r4.model.IdType(imported.header("Location").orElseThrow())
            .toUnqualifiedVersionless()
            .getValue();
    Bundle why = fhir.get("Provenance?target=" + importedId).resource(Bundle.class);
    assertThat(why.getEntry()).hasSize(1);
    assertThat(
            ((org.hl7.fhir.r4.model.Provenance) why.getEntryFirstRep().getResource())
                .getReasonFirstRep()
                .getText())
        .isEqualTo("Imported from the previous billing system");
    // Hal's attendance is corrected to a no-show: his claim no longer has attendance.
    recordAttendance(session, attendance(hal, "no-show"));

    Parameters checked = reconcile(session);
    assertThat(intOf(checked, "created")).isZero();
    OperationOutcome problems = (OperationOutcome) checked.getParameter("outcome").getResource();
    assertThat(codes(problems))
        .contains(
            "duplicate-claim",
            "two-rendering-providers",
            "wrong-coding",
            "claim-without-attendance");
    assertThat(
            problems.getIssue().stream()
                .filter(i -> i.getDetails().getCodingFirstRep().getCode().equals("wrong-coding"))
                .map(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics))
        .anyMatch(d -> d.contains("place of service 02 should be 11"));
    assertThat(encounterOf(session, hal).getStatus())
        .isEqualTo(Encounter.EncounterStatus.CANCELLED);
  }

  @Test
  void payerLimitsMultiFamilyUnitsCancelledSessionsAndAReadOnlySummary() {
    // Medicaid (MCD25) pays for sessions of at least 60 minutes: a 45-minute one is held back.
    String kay = member("Kay", "F33.1", "MCD25");
    String shortGroup = groupOf(List.of(kay), null, "process");
    String shortSession = pastSession(shortGroup, List.of(kay), 8, 45, false);
    recordAttendance(shortSession, attendance(kay, "attended"));
    note(kay, encounterOf(shortSession, kay), primary, true, false);
    Parameters tooShort = reconcile(shortSession);
    assertThat(intOf(tooShort, "created")).isZero();
    assertThat(codes((OperationOutcome) tooShort.getParameter("outcome").getResource()))
        .contains("session-too-short");

    // A multi-family session bills 90849 for the family unit, even when only the family came.
    String lee = member("Lee", "F91.3");
    String family = groupOf(List.of(lee), null, "multi-family");
    String familySession = pastSession(family, List.of(lee), 9, 90, false);
    Parameters.ParametersParameterComponent familyOnly = attendance(lee, "no-show");
    familyOnly.addPart().setName("familyOnly").setValue(new BooleanType(true));
    recordAttendance(familySession, familyOnly);
    note(lee, encounterOf(familySession, lee), primary, true, false);
    assertThat(intOf(reconcile(familySession), "created")).isEqualTo(1);
    assertThat(
            claimOf(familySession, lee)
                .getItemFirstRep()
                .getProductOrService()
                .getCodingFirstRep()
                .getCode())
        .isEqualTo("90849");

    // Summary first: read-only, says what would bill and writes nothing.
    String day = practiceTime.today().minusDays(8).toString();
    Parameters summary =
        fhir.get(
                "Appointment/"
                    + OperationNames.BILLING_SUMMARY
                    + "?start="
                    + day
                    + "&end="
                    + day
                    + "&group="
                    + shortGroup)
            .resource(Parameters.class);
    assertThat(summary.getParameter("created")).isNull();
    assertThat(summary.getParameter().stream().filter(p -> p.getName().equals("session")))
        .hasSize(1);
    assertThat(
            fhir.get("Claim?patient=" + kay + "&_summary=count").resource(Bundle.class).getTotal())
        .isZero();

    // A member without coverage: held back, and the summary filtered by facilitator says so.
    String ola = practice.patient("Ola");
    String uncovered = groupOf(List.of(ola), null, "process");
    String uncoveredSession = pastSession(uncovered, List.of(ola), 13, 90, false);
    recordAttendance(uncoveredSession, attendance(ola, "attended"));
    String olaDay = practiceTime.today().minusDays(13).toString();
    Parameters olaSummary =
        fhir.get(
                "Appointment/"
                    + OperationNames.BILLING_SUMMARY
                    + "?start="
                    + olaDay
                    + "&end="
                    + olaDay
                    + "&practitioner="
                    + primary)
            .resource(Parameters.class);
    assertThat(codes((OperationOutcome) olaSummary.getParameter("outcome").getResource()))
        .contains("missing-coverage", "missing-diagnosis", "missing-note");
    assertThat(olaSummary.getParameter("sessions").getValue().primitiveValue()).isEqualTo("1");

    // A session cancelled after it was billed: its claim no longer has attendance.
    String may = member("May", "F41.1");
    String group = groupOf(List.of(may), null, "process");
    String session = pastSession(group, List.of(may), 10, 90, false);
    recordAttendance(session, attendance(may, "attended"));
    note(may, encounterOf(session, may), primary, true, false);
    assertThat(intOf(reconcile(session), "created")).isEqualTo(1);
    Appointment cancelled = fhir.get(session).resource(Appointment.class);
    cancelled.setStatus(Appointment.AppointmentStatus.CANCELLED);
    cancelled.setCancelationReason(new CodeableConcept().setText("Room flooded; entered late"));
    assertThat(fhir.put(session, cancelled).status()).isEqualTo(200);
    Parameters after = reconcile(session);
    assertThat(codes((OperationOutcome) after.getParameter("outcome").getResource()))
        .contains("claim-without-attendance");
    assertThat(
            fixOf(
                (OperationOutcome) after.getParameter("outcome").getResource(),
                "claim-without-attendance"))
        .startsWith("Cancel Claim/");
  }

  @Test
  void theCoverageBilledIsTheOneInForceOnTheDateOfServiceAndThePrimaryOfSeveral() {
    String lapsed = practice.patient("Lapsed");
    String twice = practice.patient("Twice");
    for (String patient : List.of(lapsed, twice)) {
      diagnosis(patient, "F33.1");
    }
    LocalDate today = practiceTime.today();
    coverage(lapsed, payer, 1, today.minusYears(1), today.minusDays(20));
    coverage(lapsed, payer, 1, today.plusDays(10), null);
    Organization second = new Organization().setName("Secondary plan");
    second
        .addIdentifier()
        .setSystem("http://grouptherapy.example.org/identifiers/payer-id")
        .setValue("S" + Fixtures.uniqueId().substring(0, 8));
    String secondary = fhir.create("Organization", second);
    coverage(twice, secondary, 2, today.minusYears(1), null);
    String primaryCoverage = coverage(twice, payer, 1, today.minusYears(1), null);

    String group = groupOf(List.of(lapsed, twice), null, "process");
    String session = pastSession(group, List.of(lapsed, twice), 3, 90, false);
    recordAttendance(session, attendance(lapsed, "attended"), attendance(twice, "attended"));
    note(lapsed, encounterOf(session, lapsed), primary, true, false);
    note(twice, encounterOf(session, twice), primary, true, false);
    Parameters reconciled = reconcile(session);
    OperationOutcome problems = (OperationOutcome) reconciled.getParameter("outcome").getResource();

    assertThat(codes(problems)).contains("coverage-not-in-force", "secondary-coverage");
    String why =
        problems.getIssue().stream()
            .filter(
                i -> "coverage-not-in-force".equals(i.getDetails().getCodingFirstRep().getCode()))
            .findFirst()
            .orElseThrow()
            .getDiagnostics();
    assertThat(why)
        .contains("ended " + today.minusDays(20))
        .contains("begins " + today.plusDays(10));
    assertThat(intOf(reconciled, "created")).isEqualTo(1);
    assertThat(claimOf(session, twice).getInsuranceFirstRep().getCoverage().getReference())
        .isEqualTo(primaryCoverage);

    // Working payer by payer, the biller still sees the member no payer covers.
    String day = today.minusDays(3).toString();
    Bundle pack =
        fhir.get(
                "Claim/"
                    + OperationNames.BILLING_PACKAGE
                    + "?start="
                    + day
                    + "&end="
                    + day
                    + "&group="
                    + group
                    + "&payer="
                    + payerId)
            .resource(Bundle.class);
    OperationOutcome held =
        (OperationOutcome) pack.getEntry().get(pack.getEntry().size() - 1).getResource();
    assertThat(codes(held)).contains("coverage-not-in-force");
    assertThat(held.getIssue()).anyMatch(i -> i.getDiagnostics().contains(lapsed));
  }

  private String coverage(
      String patient, String insurer, int order, LocalDate start, LocalDate end) {
    Coverage coverage = new Coverage().setStatus(Coverage.CoverageStatus.ACTIVE);
    coverage.setBeneficiary(new Reference(patient));
    coverage.setSubscriberId("M" + Fixtures.uniqueId().substring(0, 8));
    coverage.addPayor(new Reference(insurer));
    coverage.setOrder(order);
    coverage.getPeriod().setStartElement(new org.hl7.fhir.r4.model.DateTimeType(start.toString()));
    if (end != null) {
      coverage.getPeriod().setEndElement(new org.hl7.fhir.r4.model.DateTimeType(end.toString()));
    }
    return fhir.create("Coverage", coverage);
  }

  private void diagnosis(String patient, String icd10) {
    Condition condition = new Condition();
    condition.setSubject(new Reference(patient));
    condition
        .getClinicalStatus()
        .addCoding()
        .setSystem("http://terminology.hl7.org/CodeSystem/condition-clinical")
        .setCode("active");
    condition.getCode().addCoding().setSystem("http://hl7.org/fhir/sid/icd-10-cm").setCode(icd10);
    fhir.create("Condition", condition);
  }

  @Test
  void aNoShowGetsAFollowUpTaskAMessageAndTwoInARowFlagTheMemberOnce() {
    String absent = member("Absent", "F33.1");
    String present = member("Present", "F33.1");
    String group = groupOf(List.of(absent, present), null, "process");
    String first = pastSession(group, List.of(absent, present), 10, 90, false);
    String second = pastSession(group, List.of(absent, present), 3, 90, false);

    recordAttendance(first, attendance(absent, "no-show"), attendance(present, "attended"));
    recordAttendance(first, attendance(absent, "no-show"), attendance(present, "attended"));
    assertThat(count("Task?patient=" + absent + "&code=" + CODES + "|no-show-follow-up"))
        .as("one follow-up however often the attendance is recorded")
        .isEqualTo(1);
    assertThat(count("Flag?patient=" + absent)).isZero();

    recordAttendance(second, attendance(absent, "no-show"), attendance(present, "attended"));
    assertThat(count("Task?patient=" + absent + "&code=" + CODES + "|no-show-follow-up"))
        .isEqualTo(2);
    Bundle flags =
        fhir.get(
                "Flag?patient="
                    + absent
                    + "&identifier=http://grouptherapy.example.org/identifiers/consecutive-no-shows|")
            .resource(Bundle.class);
    assertThat(flags.getEntry()).hasSize(1);
    assertThat(
            ((org.hl7.fhir.r4.model.Flag) flags.getEntryFirstRep().getResource())
                .getCode()
                .getText())
        .contains("two sessions")
        .contains(first);

    Bundle told =
        fhir.get("Communication?recipient=" + absent + "&_count=50").resource(Bundle.class);
    List<String> texts =
        told.getEntry().stream()
            .map(e -> ((org.hl7.fhir.r4.model.Communication) e.getResource()))
            .map(c -> c.getPayloadFirstRep().getContentStringType().getValue())
            .filter(t -> t.contains("We missed you"))
            .toList();
    assertThat(texts).hasSize(2);
    assertThat(texts).allMatch(t -> !t.contains(present));
    assertThat(
            fhir
                .get("Communication?recipient=" + present + "&_count=50")
                .resource(Bundle.class)
                .getEntry()
                .stream()
                .map(e -> ((org.hl7.fhir.r4.model.Communication) e.getResource()))
                .map(c -> c.getPayloadFirstRep().getContentStringType().getValue()))
        .noneMatch(t -> t.contains("We missed you"));
  }

  private int count(String query) {
    return fhir.get(query + (query.contains("?") ? "&" : "?") + "_summary=count")
        .resource(Bundle.class)
        .getTotal();
  }

  private static final String CODES =
      "http://grouptherapy.example.org/fhir/CodeSystem/intake-codes";

  @Test
  void aGroupAboveThePayersCapIsHeldBack() {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      members.add(member("Cap" + i, "F33.1", "MCD25"));
    }
    String group = groupOf(members, null, "process");
    String session = pastSession(group, members, 11, 90, false);
    List<Parameters.ParametersParameterComponent> marks = new ArrayList<>();
    members.forEach(m -> marks.add(attendance(m, "attended")));
    recordAttendance(session, marks.toArray(new Parameters.ParametersParameterComponent[0]));
    Parameters checked = reconcile(session);
    assertThat(intOf(checked, "created")).isZero();
    OperationOutcome problems = (OperationOutcome) checked.getParameter("outcome").getResource();
    assertThat(codes(problems)).contains("group-above-cap");
    assertThat(
            problems.getIssue().stream()
                .filter(i -> i.getDetails().getCodingFirstRep().getCode().equals("group-above-cap"))
                .findFirst()
                .orElseThrow()
                .getDiagnostics())
        .contains("had 11 attending")
        .contains("at most 10");
  }

  @Test
  void twoSystemsBillingOneMemberForOneSessionAtOnceGetOneClaim() throws Exception {
    String ned = member("Ned", "F33.1");
    String group = groupOf(List.of(ned), null, "process");
    String session = pastSession(group, List.of(ned), 12, 90, false);
    Claim claim = new Claim().setStatus(Claim.ClaimStatus.ACTIVE).setUse(Claim.Use.CLAIM);
    claim.setPatient(new Reference(ned));
    claim
        .addIdentifier()
        .setSystem("http://grouptherapy.example.org/identifiers/member-session")
        .setValue(
            session.substring(session.indexOf('/') + 1)
                + "-"
                + ned.substring(ned.indexOf('/') + 1));
    claim.setCreated(new java.util.Date());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Integer>> posts = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      posts.add(pool.submit(() -> fhir.post("Claim", claim).status()));
    }
    List<Integer> statuses = new ArrayList<>();
    for (Future<Integer> post : posts) {
      statuses.add(post.get());
    }
    pool.shutdown();
    assertThat(statuses).containsExactlyInAnyOrder(201, 409);
    // Cancelling the claim frees the member-session for a corrected one.
    Claim stored = claimOf(session, ned);
    stored.setStatus(Claim.ClaimStatus.CANCELLED);
    assertThat(
            fhir.put(stored.getIdElement().toUnqualifiedVersionless().getValue(), stored).status())
        .isEqualTo(200);
    assertThat(fhir.post("Claim", claim).status()).isEqualTo(201);
  }

  @Test
  void twoReconcilesAtOnceCreateEachClaimOnce() throws Exception {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      members.add(member("Par" + i, "F41.1"));
    }
    String group = groupOf(members, null, "process");
    String session = pastSession(group, members, 5, 90, false);
    List<Parameters.ParametersParameterComponent> marks = new ArrayList<>();
    members.forEach(m -> marks.add(attendance(m, "attended")));
    recordAttendance(session, marks.toArray(new Parameters.ParametersParameterComponent[0]));
    for (String m : members) {
      note(m, encounterOf(session, m), primary, true, false);
    }
    String day = practiceTime.today().minusDays(5).toString();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Integer>> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      runs.add(
          pool.submit(
              () -> {
                Parameters in = new Parameters();
                in.addParameter()
                    .setName("start")
                    .setValue(new org.hl7.fhir.r4.model.DateType(day));
                in.addParameter().setName("end").setValue(new org.hl7.fhir.r4.model.DateType(day));
                in.addParameter().setName("group").setValue(new Reference(group));
                FhirHttp.Response response =
                    fhir.post("Appointment/" + OperationNames.RECONCILE_ATTENDANCE, in);
                assertThat(response.status()).isEqualTo(200);
                return intOf(response.resource(Parameters.class), "created");
              }));
    }
    int created = 0;
    for (Future<Integer> run : runs) {
      created += run.get();
    }
    pool.shutdown();
    assertThat(created).isEqualTo(5);
    assertThat(
            fhir.get("Claim?patient=" + members.get(0) + "&_summary=count")
                .resource(Bundle.class)
                .getTotal())
        .isEqualTo(1);
  }

  @Test
  void badAttendanceAndBillingInputIsRefusedAndWritesNothing() {
    String ivy = member("Ivy", "F33.1");
    String stranger = member("Stranger", "F33.1");
    String group = groupOf(List.of(ivy), null, "process");
    String session = pastSession(group, List.of(ivy), 6, 90, false);

    FhirHttp.Response notMember =
        fhir.post(
            session + "/" + OperationNames.RECORD_ATTENDANCE,
            params(attendance(ivy, "attended"), attendance(stranger, "attended")));
    assertThat(notMember.status()).isEqualTo(422);
    assertThat(notMember.diagnostics()).contains(stranger).contains("is not a member");
    assertThat(
            fhir.get("Encounter?appointment=" + session + "&_summary=count")
                .resource(Bundle.class)
                .getTotal())
        .isZero();

    FhirHttp.Response badStatus =
        fhir.post(
            session + "/" + OperationNames.RECORD_ATTENDANCE, params(attendance(ivy, "asleep")));
    assertThat(badStatus.status()).isEqualTo(400);
    assertThat(badStatus.diagnostics()).contains("must be one of");

    String future =
        fhir.create(
            "Appointment",
            TestPractice.session(
                group,
                iso(Instant.now().plus(2, ChronoUnit.DAYS)),
                iso(Instant.now().plus(2, ChronoUnit.DAYS).plus(90, ChronoUnit.MINUTES)),
                null,
                List.of(primary),
                List.of(ivy)));
    FhirHttp.Response early =
        fhir.post(
            future + "/" + OperationNames.RECORD_ATTENDANCE, params(attendance(ivy, "attended")));
    assertThat(early.status()).isEqualTo(422);
    assertThat(early.diagnostics()).contains("has not started yet");

    Appointment cancelled = fhir.get(session).resource(Appointment.class);
    cancelled.setStatus(Appointment.AppointmentStatus.CANCELLED);
    cancelled.setCancelationReason(new CodeableConcept().setText("Facilitator ill"));
    FhirHttp.Response cancelling = fhir.put(session, cancelled);
    assertThat(cancelling.status()).as(cancelling.toString()).isEqualTo(200);
    FhirHttp.Response onCancelled =
        fhir.post(
            session + "/" + OperationNames.RECORD_ATTENDANCE, params(attendance(ivy, "attended")));
    assertThat(onCancelled.status()).isEqualTo(409);
    assertThat(onCancelled.diagnostics()).contains("was cancelled");

    Parameters backwards = new Parameters();
    backwards
        .addParameter()
        .setName("start")
        .setValue(new org.hl7.fhir.r4.model.DateType("2026-03-10"));
    backwards
        .addParameter()
        .setName("end")
        .setValue(new org.hl7.fhir.r4.model.DateType("2026-03-01"));
    FhirHttp.Response inverted =
        fhir.post("Appointment/" + OperationNames.RECONCILE_ATTENDANCE, backwards);
    assertThat(inverted.status()).isEqualTo(422);
    assertThat(inverted.diagnostics()).contains("inverted");

    FhirHttp.Response empty =
        fhir.get(
            "Claim/"
                + OperationNames.BILLING_PACKAGE
                + "?start=2020-01-01&end=2020-01-31&payer="
                + payerId);
    assertThat(empty.status()).isEqualTo(422);
    assertThat(empty.diagnostics()).contains("No billable claims for payer " + payerId);

    FhirHttp.Response unknownPayer =
        fhir.get(
            "Claim/"
                + OperationNames.BILLING_PACKAGE
                + "?start=2020-01-01&end=2020-01-31&payer=NOPE");
    assertThat(unknownPayer.status()).isEqualTo(422);
    assertThat(unknownPayer.diagnostics()).contains("No payer Organization has payer id NOPE");
  }

  @Test
  void onlyTheSessionsPeopleRecordAttendanceAndBillingStaffAndVasMakeClaims() {
    String jan = member("Jan", "F33.1");
    String group = groupOf(List.of(jan), null, "process");
    String session = pastSession(group, List.of(jan), 7, 90, false);
    SmartAuth auth = new SmartAuth(port);
    FhirHttp anonymous = new FhirHttp(port, fhirContext, null);
    FhirHttp otherTherapist =
        anonymous.withToken(auth.userToken("therapist1", "openid fhirUser user/*.cruds"));
    FhirHttp biller = anonymous.withToken(auth.userToken("biller", "openid fhirUser user/*.cruds"));
    FhirHttp va = anonymous.withToken(auth.userToken("va", "openid user/*.cruds"));

    assertThat(
            otherTherapist
                .post(
                    session + "/" + OperationNames.RECORD_ATTENDANCE,
                    params(attendance(jan, "attended")))
                .status())
        .isEqualTo(403);
    assertThat(
            biller
                .post(
                    session + "/" + OperationNames.RECORD_ATTENDANCE,
                    params(attendance(jan, "attended")))
                .status())
        .isEqualTo(403);
    assertThat(
            va.post(
                    session + "/" + OperationNames.RECORD_ATTENDANCE,
                    params(attendance(jan, "attended")))
                .status())
        .isEqualTo(200);
    // Billing documentation is VA work (issue #14): reconcile and packages, never clinical notes.
    assertThat(
            va.post(session + "/" + OperationNames.RECONCILE_ATTENDANCE, new Parameters()).status())
        .isEqualTo(200);
    // The VA may build packages: a period with nothing billable is answered on its merits (422),
    // not refused (403).
    FhirHttp.Response emptyPackage =
        va.get("Claim/" + OperationNames.BILLING_PACKAGE + "?start=2001-01-01&end=2001-01-31");
    assertThat(emptyPackage.status()).isEqualTo(422);
    assertThat(emptyPackage.diagnostics()).contains("No billable claims");
    assertThat(va.get("DocumentReference?_count=1").status()).isEqualTo(403);
    assertThat(
            otherTherapist
                .post(session + "/" + OperationNames.RECONCILE_ATTENDANCE, new Parameters())
                .status())
        .isEqualTo(403);
    assertThat(
            biller
                .post(session + "/" + OperationNames.RECONCILE_ATTENDANCE, new Parameters())
                .status())
        .isEqualTo(200);
  }

  // --- helpers --------------------------------------------------------------------------------

  String member(String family, String icd10) {
    return member(family, icd10, null);
  }

  /** A consented member with coverage (this test's payer, or a payer id) and a diagnosis. */
  String member(String family, String icd10, String payerIdOrNull) {
    String patient = practice.patient(family);
    String insurer = payer;
    if (payerIdOrNull != null) {
      Organization other = new Organization().setName("Payer " + payerIdOrNull);
      other
          .addIdentifier()
          .setSystem("http://grouptherapy.example.org/identifiers/payer-id")
          .setValue(payerIdOrNull);
      insurer = fhir.create("Organization", other);
    }
    Coverage coverage = new Coverage().setStatus(Coverage.CoverageStatus.ACTIVE);
    coverage.setBeneficiary(new Reference(patient));
    coverage.setSubscriberId("M" + Fixtures.uniqueId().substring(0, 8));
    coverage.addPayor(new Reference(insurer));
    fhir.create("Coverage", coverage);
    if (icd10 != null) {
      diagnosis(patient, icd10);
    }
    return patient;
  }

  String groupOf(List<String> members, String arrangement, String modality) {
    Group group =
        practice.group(
            "Billing group " + Fixtures.uniqueId().substring(0, 6),
            null,
            List.of(primary, co),
            members,
            12);
    group.getCode().getCodingFirstRep().setCode(modality);
    if (arrangement != null) {
      Extension billing = group.addExtension().setUrl(SD + "group-billing");
      billing.addExtension("arrangement", new CodeType(arrangement));
    }
    return fhir.create("Group", group);
  }

  String pastSession(
      String group, List<String> members, int daysAgo, int minutes, boolean virtual) {
    Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(daysAgo, ChronoUnit.DAYS);
    Appointment session =
        TestPractice.session(
            group,
            iso(start),
            iso(start.plus(minutes, ChronoUnit.MINUTES)),
            null,
            List.of(primary, co),
            members);
    if (virtual) {
      TestPractice.withJoinUrl(session, "https://video.example.org/room/" + Fixtures.uniqueId());
    }
    return fhir.create("Appointment", session);
  }

  static String iso(Instant instant) {
    return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
  }

  static Parameters.ParametersParameterComponent attendance(
      String patient, String status, Object... minutes) {
    Parameters.ParametersParameterComponent a =
        new Parameters.ParametersParameterComponent().setName("attendance");
    a.addPart().setName("patient").setValue(new Reference(patient));
    a.addPart().setName("status").setValue(new CodeType(status));
    for (int i = 0; i + 1 < minutes.length; i += 2) {
      a.addPart().setName((String) minutes[i]).setValue(new IntegerType((Integer) minutes[i + 1]));
    }
    return a;
  }

  static Parameters params(Parameters.ParametersParameterComponent... parts) {
    Parameters in = new Parameters();
    for (Parameters.ParametersParameterComponent part : parts) {
      in.addParameter(part);
    }
    return in;
  }

  Parameters recordAttendance(String session, Parameters.ParametersParameterComponent... marks) {
    FhirHttp.Response response =
        fhir.post(session + "/" + OperationNames.RECORD_ATTENDANCE, params(marks));
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.resource(Parameters.class);
  }

  Parameters reconcile(String session) {
    FhirHttp.Response response =
        fhir.post(session + "/" + OperationNames.RECONCILE_ATTENDANCE, new Parameters());
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.resource(Parameters.class);
  }

  Encounter encounterOf(String session, String patient) {
    Bundle found =
        fhir.get("Encounter?appointment=" + session + "&subject=" + patient).resource(Bundle.class);
    assertThat(found.getEntry()).hasSize(1);
    return (Encounter) found.getEntryFirstRep().getResource();
  }

  Claim claimOf(String session, String patient) {
    String key =
        session.substring(session.indexOf('/') + 1)
            + "-"
            + patient.substring(patient.indexOf('/') + 1);
    Bundle found =
        fhir.get(
                "Claim?identifier="
                    + "http://grouptherapy.example.org/identifiers/member-session|"
                    + key)
            .resource(Bundle.class);
    assertThat(found.getEntry()).hasSize(1);
    return (Claim) found.getEntryFirstRep().getResource();
  }

  /** The member's session note: signed (final, authenticated) or not. */
  String note(
      String patient, Encounter encounter, String author, boolean signed, boolean complexity) {
    DocumentReference note = new DocumentReference();
    note.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
    note.setDocStatus(
        signed
            ? DocumentReference.ReferredDocumentStatus.FINAL
            : DocumentReference.ReferredDocumentStatus.PRELIMINARY);
    note.setType(new CodeableConcept(new Coding("http://loinc.org", "11506-3", "Progress note")));
    note.setSubject(new Reference(patient));
    note.addAuthor(new Reference(author));
    if (signed) {
      note.setAuthenticator(new Reference(author));
    }
    note.getContext()
        .addEncounter(new Reference(encounter.getIdElement().toUnqualifiedVersionless()));
    note.addContent()
        .setAttachment(
            new Attachment()
                .setContentType("text/plain")
                .setData("Participated; practiced skills.".getBytes()));
    if (complexity) {
      note.addExtension(SD + "interactive-complexity", new BooleanType(true));
    }
    return fhir.create("DocumentReference", note);
  }

  static Appointment.ParticipationStatus statusOf(Appointment session, String who) {
    return session.getParticipant().stream()
        .filter(p -> who.equals(p.getActor().getReference()))
        .findFirst()
        .orElseThrow()
        .getStatus();
  }

  static int intOf(Parameters parameters, String name) {
    return ((IntegerType) parameters.getParameter(name).getValue()).getValue();
  }

  static List<String> codes(OperationOutcome outcome) {
    return outcome.getIssue().stream()
        .map(i -> i.getDetails().getCodingFirstRep().getCode())
        .toList();
  }

  static String fixOf(OperationOutcome outcome, String code) {
    return outcome.getIssue().stream()
        .filter(i -> code.equals(i.getDetails().getCodingFirstRep().getCode()))
        .findFirst()
        .orElseThrow()
        .getDetails()
        .getText();
  }

  /**
   * What an 837P needs that the test practice leaves out: the billing provider's NPI, tax id, ZIP+4
   * address and phone; each member's birth date, gender and address.
   */
  private void completeForBilling(Bundle pack) {
    for (Bundle.BundleEntryComponent entry : pack.getEntry()) {
      String id = entry.getResource().getIdElement().toUnqualifiedVersionless().getValue();
      if (entry.getResource() instanceof org.hl7.fhir.r4.model.Practitioner) {
        var practitioner = fhir.get(id).resource(org.hl7.fhir.r4.model.Practitioner.class);
        practitioner.addIdentifier().setSystem(BillingCodes.NPI).setValue("1987654321");
        assertThat(fhir.put(id, practitioner).status()).isEqualTo(200);
      } else if (entry.getResource() instanceof Patient) {
        Patient patient = fhir.get(id).resource(Patient.class);
        patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1988-02-03"));
        patient.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.OTHER);
        patient.getAddress().clear();
        patient
            .addAddress()
            .addLine("9 Elm St")
            .setCity("Boston")
            .setState("MA")
            .setPostalCode("02115");
        assertThat(fhir.put(id, patient).status()).isEqualTo(200);
      } else if (entry.getResource() instanceof Organization
          && pack.getEntry().stream()
              .filter(e -> e.getResource() instanceof Claim)
              .anyMatch(e -> id.equals(((Claim) e.getResource()).getProvider().getReference()))) {
        Organization practice = fhir.get(id).resource(Organization.class);
        practice.getIdentifier().removeIf(i -> !i.hasValue());
        practice.addIdentifier().setSystem(BillingCodes.NPI).setValue("1234567893");
        practice.addIdentifier().setSystem(X12ClaimChecks.EIN).setValue("043812345");
        practice
            .addTelecom()
            .setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.PHONE)
            .setValue("617-555-0142");
        practice.getAddress().clear();
        practice
            .addAddress()
            .addLine("12 River St")
            .setCity("Boston")
            .setState("MA")
            .setPostalCode("02110-1204");
        assertThat(fhir.put(id, practice).status()).isEqualTo(200);
      }
    }
  }

  /** The 837 read back with StAEDI, as the server reads every X12 file. */
  static List<List<String>> parse(byte[] x12) {
    return X12Segments.read(new String(x12, StandardCharsets.US_ASCII), "837P", "837P");
  }

  static List<String> tags(List<List<String>> segments) {
    return segments.stream().map(s -> s.get(0)).toList();
  }
}
